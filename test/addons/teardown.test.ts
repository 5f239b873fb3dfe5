// The ordering steps' scripts in a real bash, host paths moved into a scratch directory, fake
// systemctl and k3s on PATH; and shellcheck.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { disableDropinPath, renderDisableHoldScript, renderRookTeardownScript } from "../../components/addons/teardown";
import { LOG_CALL, Sandbox, sandbox } from "../k3s/support/shell";
import { fakeEtcdCurl } from "../k3s/support/etcd";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  sb.fake("systemctl", `${LOG_CALL}\nif [ "$1" = is-active ]; then [ -n "\${K3S_ACTIVE:-}" ]; exit; fi\nexit 0`);
  // A healthy server for the health gate: /readyz ok, Ready with a fresh heartbeat, a voting etcd member.
  sb.fake("k3s", `${LOG_CALL}
[ -n "\${K3S_EXIT:-}" ] && exit "$K3S_EXIT"
case "$*" in
  *--raw=/readyz*) echo ok ;;
  *'type=="Ready")].status'*) echo True ;;
  *lastHeartbeatTime*) echo 2999-01-01T00:00:00Z ;;
  *'type=="EtcdIsVoter")].status'*) echo True ;;
esac`);
  sb.fake("sleep", ":");
  // etcd's members s1-s3, healthy unless ETCD_DOWN names one (the quorum check before a restart).
  fakeEtcdCurl(sb);
});
afterEach(() => sb.cleanup());

const inSandbox = (script: string) => script.split("/etc/rancher/k3s").join(`${sb.dir}/etc/rancher/k3s`);
const dropin = () => `${sb.dir}${disableDropinPath("servicelb")}`;
const config = () => path.join(sb.dir, "etc/rancher/k3s/config.yaml");
const run = (script: string, phase: string, env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", phase], { input: script, env });

describe("disable hold (renderDisableHoldScript)", () => {
  const script = () => inSandbox(renderDisableHoldScript({ node: "s1", component: "servicelb", etcd: true }));
  // While the addon is installed, config.yaml disables what it replaces (the addons' contribution to K3sCluster).
  beforeEach(() => {
    fs.mkdirSync(path.dirname(config()), { recursive: true });
    fs.writeFileSync(config(), "disable:\n  - servicelb\nnode-name: s1\n");
  });

  it("create refuses, writing nothing, when k3s's config does not disable the component (addonsK3sConfig left out of K3sCluster's contributions)", () => {
    fs.writeFileSync(config(), "disable:\n  - traefik\nnode-name: s1\n");
    const r = run(script(), "create", { K3S_ACTIVE: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`k3s-stacks: k3s's configuration on s1 (/etc/rancher/k3s/config.yaml) does not disable servicelb, so k3s's ServiceLB and MetalLB would both answer LoadBalancer Services. Fix: disable servicelb in the cluster's configuration (a program using K3sCluster passes addonsK3sConfig(config) in its contributions; the stack does this itself), then run pulumi up again.\n`.split("/etc/rancher/k3s").join(`${sb.dir}/etc/rancher/k3s`));
    expect(fs.existsSync(dropin())).toBe(false);
    // The hold's own drop-in from an earlier run does not count as the cluster disabling it.
    fs.mkdirSync(path.dirname(dropin()), { recursive: true });
    fs.writeFileSync(dropin(), "disable+:\n  - servicelb\n");
    expect(run(script(), "update", { K3S_ACTIVE: "1" }).status).toBe(1);
    expect(sb.calls()).toEqual([]);
  });

  it("passes shellcheck", () => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0 && !process.env.CI) return;
    for (const s of [renderDisableHoldScript({ node: "s1", component: "local-storage", etcd: false }), renderRookTeardownScript({ namespace: "rook-ceph", step: "wait-gone", storageClasses: ["ceph-block"] }), renderRookTeardownScript({ namespace: "rook-ceph", step: "confirm-cleanup", storageClasses: [] })]) {
      expect(() => execFileSync("shellcheck", ["-s", "bash", "-"], { input: s, encoding: "utf8" })).not.toThrow();
    }
  });

  it("create writes a drop-in that appends to config.yaml's disable list, and restarts nothing", () => {
    const r = run(script(), "create", { K3S_ACTIVE: "1" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(dropin(), "utf8")).toBe("# Managed by k3s-stacks: kept while the addon that replaces servicelb is installed.\ndisable+:\n  - servicelb\n");
    expect((fs.statSync(dropin()).mode & 0o777).toString(8)).toBe("600");
    expect(sb.calls()).toEqual([]);
  });

  it("delete after a switch: removes the drop-in, restarts k3s and waits for the node", () => {
    run(script(), "create");
    fs.writeFileSync(config(), "disable:\n  - traefik\nnode-name: s1\n");
    const r = run(script(), "delete", { K3S_ACTIVE: "1" });
    expect(r.status).toBe(0);
    expect(fs.existsSync(dropin())).toBe(false);
    const calls = sb.calls().filter((c) => !c.startsWith("curl "));
    expect(calls.slice(0, 7)).toEqual([
      "systemctl is-active --quiet k3s",
      "systemctl is-active --quiet k3s",
      // The restart is queued (unit-queue.ts), then the gate waits for it.
      "systemctl show -p ExecMainStartTimestampMonotonic k3s",
      "systemctl restart --no-block k3s",
      "systemctl show -p ActiveState,ExecMainStartTimestampMonotonic k3s",
      "systemctl show -p NRestarts,ActiveState,SubState k3s",
      "systemctl is-active --quiet k3s",
    ]);
    expect(calls.filter((c) => c.startsWith("k3s "))).toEqual([
      "k3s kubectl get --raw=/readyz",
      expect.stringMatching(/Ready.*status/),
      expect.stringMatching(/lastHeartbeatTime/),
      expect.stringMatching(/EtcdIsVoter/),
    ]);
    expect(r.stdout).toContain("k3s-stacks: s1 is healthy");
  });

  it("delete after a switch while another etcd member is down: refused before the drop-in goes and before any restart, naming it", () => {
    run(script(), "create");
    fs.writeFileSync(config(), "disable:\n  - traefik\nnode-name: s1\n");
    const r = run(script(), "delete", { K3S_ACTIVE: "1", ETCD_DOWN: "10.0.0.2" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s-stacks: k3s on s1 was not restarted to bring servicelb back: restarting k3s there would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: s2 (https://10.0.0.2:2379/health: curl: (7)");
    expect(r.stderr).toContain("then run pulumi up again; the restart runs then.");
    expect(sb.calls().filter((c) => c.startsWith("systemctl restart"))).toEqual([]);
    // Still there: the next run's delete restarts k3s once s2 is back.
    expect(fs.existsSync(dropin())).toBe(true);
    expect(run(script(), "delete", { K3S_ACTIVE: "1" }).status).toBe(0);
    expect(sb.calls()).toContain("systemctl restart --no-block k3s");
  });

  it("delete on destroy (config.yaml still disables it): removes the drop-in, no restart", () => {
    run(script(), "create");
    fs.writeFileSync(config(), "disable:\n  - servicelb\n  - traefik\nnode-name: s1\n");
    expect(run(script(), "delete", { K3S_ACTIVE: "1" }).status).toBe(0);
    expect(fs.existsSync(dropin())).toBe(false);
    expect(sb.calls()).toEqual([]);
    fs.writeFileSync(config(), "disable: [traefik, servicelb]\n");
    run(script(), "create");
    expect(run(script(), "delete", { K3S_ACTIVE: "1" }).status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });

  it("delete when the drop-in is already gone, or k3s is stopped, restarts nothing", () => {
    expect(run(script(), "delete", { K3S_ACTIVE: "1" }).status).toBe(0);
    run(script(), "create");
    fs.writeFileSync(config(), "node-name: s1\n");
    expect(run(script(), "delete").status).toBe(0);
    // Asked twice (before the quorum check, which a stopped k3s skips, and before the restart).
    expect(sb.calls()).toEqual(["systemctl is-active --quiet k3s", "systemctl is-active --quiet k3s"]);
  });

  it("a node that does not come back fails the delete at the health gate with the fix", () => {
    run(script(), "create");
    fs.writeFileSync(config(), "node-name: s1\n");
    sb.fake("seq", "echo 1");
    const r = run(script(), "delete", { K3S_ACTIVE: "1", K3S_EXIT: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stopped at s1: waited 300s for the API server on s1 to answer \/readyz.*Fix: check 'journalctl -u k3s' on s1/);
  });
});

describe("Rook teardown (renderRookTeardownScript)", () => {
  it("confirm-cleanup sets the cleanup confirmation on every CephCluster, only on delete", () => {
    sb.fake("k3s", `${LOG_CALL}\ncase "$*" in *"get cephcluster"*) echo cephcluster.ceph.rook.io/rook-ceph ;; esac`);
    const s = renderRookTeardownScript({ namespace: "rook-ceph", step: "confirm-cleanup", storageClasses: [] });
    expect(run(s, "create").status).toBe(0);
    expect(sb.calls()).toEqual([]);
    expect(run(s, "delete").status).toBe(0);
    expect(sb.calls()).toEqual([
      "k3s kubectl get crd cephclusters.ceph.rook.io",
      "k3s kubectl -n rook-ceph get cephcluster -o name",
      `k3s kubectl -n rook-ceph patch cephcluster.ceph.rook.io/rook-ceph --type merge -p {"spec":{"cleanupPolicy":{"confirmation":"yes-really-destroy-data"}}}`,
    ]);
  });

  it("wait-gone returns once the CephCluster is gone, and at once when Rook's CRDs are gone", () => {
    const counter = path.join(sb.dir, "n");
    sb.fake("k3s", `${LOG_CALL}\ncase "$*" in *"get cephcluster -o name"*) n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n+1)) > ${counter}; [ "$n" -lt 2 ] && echo cephcluster.ceph.rook.io/rook-ceph ;; esac; exit 0`);
    const s = renderRookTeardownScript({ namespace: "rook-ceph", step: "wait-gone", storageClasses: ["ceph-block"] });
    expect(run(s, "delete").status).toBe(0);
    expect(sb.calls().filter((c) => c.includes("get cephcluster -o name"))).toHaveLength(3);
    sb.fake("k3s", `${LOG_CALL}\nexit 1`);
    expect(run(s, "delete").status).toBe(0);
    expect(sb.calls()).toEqual(["k3s kubectl get crd cephclusters.ceph.rook.io"]);
  });

  it("wait-gone that times out names the volumes still on Ceph and the fix", () => {
    sb.fake("k3s", `case "$*" in *"get cephcluster -o name"*) echo cephcluster.ceph.rook.io/rook-ceph ;; *"get pvc"*) printf 'apps/data ceph-block\\napps/web local-path\\n' ;; *"get cephcluster -o jsonpath"*) echo "rook-ceph: Deleting waiting for dependents" ;; esac; exit 0`);
    // SECONDS jumps past the deadline: bash lets a script assign it.
    const s = renderRookTeardownScript({ namespace: "rook-ceph", step: "wait-gone", storageClasses: ["ceph-block", "ceph-filesystem"] }).replace("deadline=$((SECONDS + 900))", "deadline=$((SECONDS + 900)); SECONDS=1000");
    const r = run(s, "delete");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("rook-ceph: Deleting waiting for dependents");
    expect(r.stderr).toContain("apps/data ceph-block");
    expect(r.stderr).not.toContain("apps/web");
    expect(r.stderr).toMatch(/Fix: delete those PersistentVolumeClaims \(their data is lost\), then run pulumi up or pulumi destroy again/);
  });
});
