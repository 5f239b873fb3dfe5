// A node whose clock differs from the first server's by more than MAX_CLOCK_SKEW_SECONDS fails its
// membership step, run against a stand-in `k3s kubectl` (not real k3s) that answers the node's Lease
// with a renewTime its test sets relative to this machine's clock.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MAX_CLOCK_SKEW_SECONDS, renderClockSkewCheck } from "../../components/k3s/clock-skew";

/** Runs the check for pi-2 whose Lease was renewed `offset` seconds from now (undefined: the API does not answer). */
function check(offset: number | undefined, micro = ".123456") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-fake-"));
  fs.writeFileSync(path.join(dir, "k3s"), `#!/usr/bin/env bash
${offset === undefined ? "echo 'The connection to the server was refused' >&2; exit 1" : ""}
if [ "$*" = "kubectl get lease -n kube-node-lease pi-2 -o jsonpath={.spec.renewTime}" ]; then
  date -u -d "@$(( $(date +%s) + ${offset ?? 0} ))" +%Y-%m-%dT%H:%M:%S${micro}Z
  exit 0
fi
echo "stand-in: unexpected $*" >&2
exit 2
`, { mode: 0o755 });
  const res = spawnSync("bash", ["-s"], { input: `set -euo pipefail\n${renderClockSkewCheck("pi-2")}\necho passed\n`, env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir }, encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test("a node whose clock runs two minutes ahead fails naming the node, the difference, both times and the NTP fix", () => {
  const r = check(120);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^k3s-stacks: node pi-2's clock is 1(19|20|21) s ahead of the clock of the first server \(.+\): its kubelet stamped its Lease \(kube-node-lease\/pi-2\) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123456Z when this server's clock read \d{4}-.*Z\. .*x509: certificate has expired or is not yet valid.*Fix: synchronize both clocks to the same NTP servers \('timedatectl set-ntp true', or chrony; .*then run pulumi up again\.\n$/);
});

test("a node an hour behind fails: the Lease is older than its 10 s renewal explains", () => {
  const r = check(-3600, "");
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/clock is at least 3(58|59|60)\d s behind the clock of the first server/);
});

test(`clocks within ${MAX_CLOCK_SKEW_SECONDS} s, a Lease renewed up to 10 s ago, and an API that does not answer pass`, () => {
  for (const offset of [0, MAX_CLOCK_SKEW_SECONDS - 2, -(MAX_CLOCK_SKEW_SECONDS + 8), undefined]) {
    expect([offset, check(offset).stdout]).toEqual([offset, "passed\n"]);
  }
});
