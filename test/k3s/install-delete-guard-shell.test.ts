// The install step's delete on a node with a leave step refuses to uninstall k3s while its Node is
// Ready and not cordoned (nothing drained it: `pulumi up --replace` of the install step alone), and
// uninstalls as before once drained, when k3s is not running, or when its Node cannot be read.
// Rendered script in a real bash, every host path moved into a scratch directory, fake systemctl/k3s.
import * as fs from "fs";
import * as path from "path";
import { renderInstallScript } from "../../components/k3s/scripts";
import { Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  // The Node as the kubelet reads it, NODE being "<.spec.unschedulable>/<Ready status>"; no answer when NODE is unset.
  sb.fake("k3s", `[ -n "\${NODE+x}" ] || exit 1
case "$*" in
  *unschedulable*) printf '%s' "\${NODE%/*}" ;;
  *'type=="Ready")].status'*) printf '%s' "\${NODE#*/}" ;;
esac`);
  sb.fake("systemctl", `[ "$1" = is-active ] && [ -n "\${ACTIVE:-}" ]`);
  for (const dir of ["usr/local/bin", "etc/rancher/node", "var/lib/rancher/k3s-stacks"]) fs.mkdirSync(path.join(sb.dir, dir), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, "usr/local/bin/k3s-agent-uninstall.sh"), `#!/bin/bash\necho uninstall >> "$CALLS"\n`, { mode: 0o755 });
});
afterEach(() => sb.cleanup());

const script = (leaveStep?: string) =>
  ["/usr/local/bin", "/opt/bin", "/var/lib/rancher", "/etc/rancher"].reduce(
    (s, p) => s.split(p).join(sb.dir + p),
    renderInstallScript({ node: "a1", role: "agent", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io" }, "K10token", leaveStep),
  );
/** The delete of a1's install step; `leaveStep` null: a1 as the first server, which has none. */
const remove = (env: Record<string, string>, leaveStep: string | null = "k3s-a1-leave") => sb.run(["bash", "-s", "--", "delete"], { input: script(leaveStep ?? undefined), env });
const uninstalled = () => sb.calls().includes("uninstall");

test("Ready and not cordoned (the install step replaced alone): refused before anything changes, naming the leave step's replace", () => {
  const r = remove({ ACTIVE: "1", NODE: "/True" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("k3s-stacks: a1: refusing to uninstall k3s: its Node is Ready and not cordoned, so nothing drained it.");
  expect(r.stderr).toContain(`pulumi up --replace "$(pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*::k3s-a1-leave')"`);
  expect(r.stderr).toContain("k3s kubectl drain a1 --ignore-daemonsets --delete-emptydir-data");
  expect(uninstalled()).toBe(false);
  expect(fs.existsSync(path.join(sb.dir, "etc/rancher/node"))).toBe(true);
});

test.each([
  ["drained by its membership step (cordoned)", { ACTIVE: "1", NODE: "true/True" }],
  ["cordoned, and NotReady", { ACTIVE: "1", NODE: "true/False" }],
  ["NotReady (nothing runs there to drain)", { ACTIVE: "1", NODE: "/Unknown" }],
  ["k3s not running (a rebuilt machine)", { NODE: "/True" }],
  ["its Node cannot be read", { ACTIVE: "1" }],
])("%s: uninstalls as before", (_, env) => {
  const r = remove(env);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(uninstalled()).toBe(true);
  expect(r.stdout).toContain("k3s removed from a1");
});

test("the first server (no leave step; its install step replaced is how it is rebuilt): uninstalls without the check", () => {
  const r = remove({ ACTIVE: "1", NODE: "/True" }, null);
  expect(r.status).toBe(0);
  expect(uninstalled()).toBe(true);
});
