// The join refusals the waits stop at (join-errors.ts): each pattern matches the message as k3s logs
// it (built from the format strings in k3s's source, cited there) and nothing k3s logs on a join that
// goes on; the rendered function names node, cause and fix and prints no journal line.
import { JOIN_ERRORS, JOIN_ERROR_REPEATS, joinRefusedFunction } from "../../components/k3s/join-errors";
import { unitWatchFunctions, waitActive } from "../../components/k3s/unit-watch";

/** Agent retries wrap the error in pkg/agent/config/config.go Get's "Waiting to retrieve agent configuration; server is not ready: %v". */
const retry = (err: string) => `time="2026-12-01T06:00:00Z" level=info msg="Waiting to retrieve agent configuration; server is not ready: ${err}"`;
const REFUSALS: Record<string, string> = {
  "token CA hash": retry("token CA hash does not match the Cluster CA certificate hash: 96dddafdc2c7 != fc3284e36269"),
  "401 Unauthorized": retry("failed to retrieve configuration from server: https://10.0.0.1:6443/v1-k3s/config: 401 Unauthorized"),
  "node password": retry("Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag"),
  "etcd member name": 'time="2026-12-01T06:00:00Z" level=fatal msg="ETCD join failed: duplicate node name found, please use a unique name for this node"',
};
/** Lines of joins that go on: a server still starting, k3s falling back to the token, its warning on a bare token. */
const PASSING = [
  retry("https://10.0.0.1:6443/v1-k3s/serving-kubelet.crt: 503 Service Unavailable"),
  'time="2026-12-01T06:00:00Z" level=info msg="Node authorization rejected, retrying without client certificate authentication"',
  'time="2026-12-01T06:00:00Z" level=warning msg="Cluster CA certificate is not trusted by the host CA bundle, but the token does not include a CA hash. Use the full token from the server\'s node-token file to enable Cluster CA validation."',
  'E1201 06:00:00.000000 kubelet.go:100] "Unhandled Error" err="failed to list *v1.Node: Unauthorized"',
];
const matching = (line: string) => JOIN_ERRORS.filter((e) => new RegExp(e.pattern).test(line));

describe("JOIN_ERRORS", () => {
  test.each(Object.entries(REFUSALS))("%s: one pattern matches the k3s line, so the cause is unambiguous", (_name, line) => {
    expect(matching(line)).toHaveLength(1);
  });

  test.each(PASSING)("a line of a join that goes on matches none: %s", (line) => {
    expect(matching(line)).toHaveLength(0);
  });
});

describe("joinRefusedFunction", () => {
  const fn = joinRefusedFunction("pi-zero", "k3s-agent");

  test("reads the unit's journal since the wait began, and only once unit_watch_begin said when that was", () => {
    expect(fn).toContain(`[ -n "\${unit_watch_since:-}" ] || return 1`);
    expect(fn).toContain(`journalctl -u 'k3s-agent' --since "$unit_watch_since" --no-pager -o cat`);
    expect(fn.match(new RegExp(`"\\$n" -ge ${JOIN_ERROR_REPEATS} \\]; then`, "g"))).toHaveLength(JOIN_ERRORS.length);
  });

  test("each report names the node, the cause and the fix, and prints no journal line (a token could be in one)", () => {
    for (const e of JOIN_ERRORS) expect(fn).toContain(`k3s-stacks: pi-zero cannot join the cluster: ${e.cause("pi-zero", "k3s-agent").replace(/'/g, "'\\''")}`);
    expect(fn.match(/Fix: /g)).toHaveLength(JOIN_ERRORS.length);
    expect(fn).not.toMatch(/echo "\$log"|printf '%s\\n' "\$log" \|[^|]*>&2/);
  });

  test("the node password fix names the Secret k3s keeps it in (lower case, as k3s names it)", () => {
    expect(joinRefusedFunction("Pi-Zero", "k3s-agent")).toContain("k3s kubectl delete secret pi-zero.node-password.k3s -n kube-system");
  });
});

describe("the waits", () => {
  test("unitWatchFunctions carries join_refused, and unit_watch_begin notes the time the wait began", () => {
    const fns = unitWatchFunctions("s1", "k3s");
    expect(fns).toContain("join_refused() {");
    expect(fns).toContain("unit_watch_since=$(date '+%Y-%m-%d %H:%M:%S')");
  });

  test("waitActive stops at a refused join before it asks whether the unit is broken", () => {
    const wait = waitActive({ node: "s1", service: "k3s", seconds: 240, fix: "fix it.", otherwise: "exit 1" });
    expect(wait.indexOf("if join_refused; then exit 1; fi")).toBeGreaterThan(wait.indexOf("unit_watch_begin"));
    expect(wait.indexOf("if join_refused; then exit 1; fi")).toBeLessThan(wait.indexOf("if unit_broken"));
  });
});
