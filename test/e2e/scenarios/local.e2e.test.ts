// The `local` stack on a lab host, run on that host itself as a user would: scripts/up.sh local
// (real CLI, local.Command, k3s stand-ins), a no-change re-run, then `pulumi destroy`, after which
// the host is as it was before: k3s gone and host preparation undone.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { TestLab, startLab } from "../hosts";
import { toolchainBin } from "../toolchain";
import { checkToolchain } from "./stack";
import { V1, k3sLeftovers } from "./fixture";
import { scratchProject } from "../../scripts/support/project";

const REPO = path.resolve(__dirname, "..", "..", "..");
const HOSTS_SH = path.join(REPO, "test/e2e/hosts/hosts.sh");
/** The shared dir as the host sees it (the lab bind-mounts it there). */
const SHARED_IN_HOST = "/var/lib/k3s-standin/shared";
/**
 * What the host's state is compared on: everything k3s and host preparation may touch. Not /root (the
 * user's Pulumi state and kubeconfig), the stand-ins' own state, nor the build machine's Go (which
 * other processes on this machine write, seen through the host's overlay).
 */
const SNAPSHOT = `{
  find /etc /usr/local /var/lib /opt /boot /run \\( -path /var/lib/k3s-standin -o -path /run/k3s-standin -o -path /usr/local/go \\) -prune -o \\( -type f -printf '%p f %m %s\\n' \\) -o -printf '%p %y %m\\n'
  find /etc /usr/local/bin /usr/local/sbin /opt -type f -exec md5sum {} +
  for k in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables; do echo "$k=$(sysctl -n $k 2>/dev/null || true)"; done
} | sort`;

let lab: TestLab;
let bin: string;
let project: string;

/** Runs a command as root on the host itself (its own namespaces, no SSH), as a user at its terminal would. */
function onHost(command: string): { status: number | null; out: string } {
  const env = [
    "HOME=/root",
    `PATH=${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    "PULUMI_SKIP_UPDATE_CHECK=true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
    "PULUMI_NODEJS_TRANSPILE_ONLY=true",
  ].join(" ");
  const r = spawnSync(HOSTS_SH, ["exec", lab.stateDir, "local1", "bash", "-c", `cd ${SHARED_IN_HOST}/project && env -i ${env} ${command} 2>&1`], {
    encoding: "utf8",
    timeout: 600_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  bin = toolchainBin();
  checkToolchain(bin);
  lab = startLab([{ name: "local1" }]);
  // Pulumi.local.yaml as shipped, pointed at the lab's install script and artifacts (no internet here).
  const shipped = fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8");
  project = path.join(lab.sharedDir, "project");
  scratchProject(project, {
    local: shipped.replace("    datastore: sqlite\n", `    datastore: sqlite\n    installScriptUrl: ${lab.installScriptUrl}\n    artifactUrl: ${lab.artifactBaseUrl}\n`),
  });
  // The host has its own /tmp: links into a checkout under /tmp (CI's clone may be there) would
  // dangle inside it. Real files instead: hard links where the file system allows, else copies.
  for (const f of fs.readdirSync(project)) {
    const p = path.join(project, f);
    if (!fs.lstatSync(p).isSymbolicLink()) continue;
    const target = fs.readlinkSync(p);
    fs.unlinkSync(p);
    if (spawnSync("cp", ["-al", target, p]).status !== 0) {
      fs.rmSync(p, { recursive: true, force: true });
      execFileSync("cp", ["-a", target, p]);
    }
  }
});

afterAll(() => lab?.down());

test("up on the host itself, no-change up, destroy: the host is as it was", () => {
  // A fresh machine: the lab host sees this build machine's /var/lib, where other tests may have left
  // k3s-stacks state; the host's own view (overlay) drops it.
  lab.exec("local1", "rm -rf /var/lib/rancher/k3s-stacks /var/lib/k3s-stacks; rmdir /var/lib/rancher 2>/dev/null; true");
  const before = lab.exec("local1", SNAPSHOT).stdout;
  expect(before).toContain("/etc/fstab");

  const up = onHost("scripts/up.sh local --yes --skip-preview");
  expect(up.out).toContain(`the 'local' stack installs k3s ${V1} on THIS machine (local1) as a single-node server (sqlite)`);
  expect(`${up.status}\n${up.out}`).toMatch(/^0\n/);
  expect(up.out).toMatch(/Resources:\s+\+ \d+ created/);
  // The node is this host, Ready, and was never reached over SSH.
  expect(lab.nodes("local1").map((n) => [n.name, n.ready, n.version])).toEqual([["local1", true, V1]]);
  expect(lab.readFile("local1", "/var/log/sshd-e2e.log") ?? "").not.toContain("Accepted");
  // kubectl is set up: context k3s-local, pointing at this machine, file mode 0600.
  const kube = parse(lab.readFile("local1", "/root/.kube/config") ?? "") as { "current-context": string; clusters: { name: string; cluster: { server: string } }[] };
  expect(kube["current-context"]).toBe("k3s-local");
  expect(kube.clusters).toEqual([expect.objectContaining({ name: "k3s-local", cluster: expect.objectContaining({ server: "https://127.0.0.1:6443" }) })]);
  expect(lab.exec("local1", "stat -c %a /root/.kube/config").stdout.trim()).toBe("600");
  expect(lab.exec("local1", SNAPSHOT).stdout).not.toBe(before);

  const again = onHost("scripts/up.sh local --yes --skip-preview --expect-no-changes --no-kubeconfig");
  expect(`${again.status}\n${again.out}`).toMatch(/^0\n/);
  expect(again.out).not.toMatch(/Resources:[^\n]*(created|updated|replaced|deleted)/);

  const destroy = onHost("scripts/pulumi.sh destroy --stack local --yes --skip-preview");
  expect(`${destroy.status}\n${destroy.out}`).toMatch(/^0\n/);
  expect(destroy.out).toContain("k3s-stacks: local1: host preparation undone");
  expect(k3sLeftovers(lab, "local1")).toEqual([]);
  expect(lab.exec("local1", SNAPSHOT).stdout).toBe(before);
});
