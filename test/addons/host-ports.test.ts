import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parseAddonsConfig } from "../../components/addons/config";
import { hostPortClaims, renderHostPortsScript } from "../../components/addons/host-ports";
import { node } from "./fixtures";

const both = parseAddonsConfig({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] }, monitoring: { enabled: true } });

/** A listening socket as `ss -lnp` prints it, held by `pid` (none: no process column). */
interface Listener {
  port: number;
  proto: "tcp" | "udp";
  pid?: number;
}

/**
 * A scratch host: `ss` lists `listeners` for the port its filter names (header line first, as ss
 * prints it), and /proc/<pid>/{comm,cgroup} come from `procs`.
 */
function host(listeners: Listener[], procs: Record<number, { comm: string; cgroup: string }> = {}) {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "host-ports-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  for (const tool of ["tail", "grep", "cut", "sort", "sed", "head", "cat"]) {
    const real = spawnSync("/bin/bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    fs.symlinkSync(real, path.join(bin, tool));
  }
  const rows = listeners
    .map((l) => `${l.proto} ${l.port} ${l.proto === "tcp" ? "LISTEN" : "UNCONN"} 0 4096 0.0.0.0:${l.port} 0.0.0.0:*${l.pid === undefined ? "" : ` users:(("x",pid=${l.pid},fd=3))`}`)
    .join("\n");
  fs.writeFileSync(
    path.join(bin, "ss"),
    `#!/bin/bash
proto=udp; case " $* " in *" -t "*) proto=tcp ;; esac
port=\${!#}; port=\${port##*:}
echo "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process"
while read -r p n rest; do
  [ "$p" = "$proto" ] && [ "$n" = "$port" ] && echo "$rest"
done <<'ROWS'
${rows}
ROWS
exit 0
`,
    { mode: 0o755 },
  );
  for (const [pid, p] of Object.entries(procs)) {
    fs.mkdirSync(path.join(dir, "proc", pid), { recursive: true });
    fs.writeFileSync(path.join(dir, "proc", pid, "comm"), `${p.comm}\n`);
    fs.writeFileSync(path.join(dir, "proc", pid, "cgroup"), `${p.cgroup}\n`);
  }
  return (phase = "create") => {
    const file = path.join(dir, "check.sh");
    const [claims] = hostPortClaims(both, [node("pi-1", 11)]).filter((c) => c.release === "kube-prometheus-stack");
    const speaker = hostPortClaims(both, [node("pi-1", 11)]).find((c) => c.release === "metallb")!;
    fs.writeFileSync(file, renderHostPortsScript({ nodeName: "pi-1", claims: [...speaker.claims, ...claims.claims], root: dir }));
    return spawnSync("/bin/bash", [file, phase], { env: { PATH: bin }, encoding: "utf8" });
  };
}

describe("renderHostPortsScript", () => {
  it("passes shellcheck", () => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0 && !process.env.CI) {
      console.warn("shellcheck not installed: skipped locally; CI fails here");
      return;
    }
    const file = path.join(fs.mkdtempSync(path.join(tmpdir(), "host-ports-lint-")), "s.sh");
    const claims = hostPortClaims(both, [node("n1", 10)]).flatMap((c) => c.claims);
    fs.writeFileSync(file, renderHostPortsScript({ nodeName: "n1", claims }));
    expect(() => execFileSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" })).not.toThrow();
  });

  it("passes free ports, and ports a pod holds (the layer's own pod from an earlier run)", () => {
    const r = host([{ port: 9100, proto: "tcp", pid: 40 }, { port: 7946, proto: "udp", pid: 41 }], {
      40: { comm: "node_exporter", cgroup: "0::/kubepods/besteffort/pod1234/abcd" },
      41: { comm: "speaker", cgroup: "0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-9f.scope" },
    })();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("layer host ports free on node pi-1");
  });

  it("fails a node exporter installed on the host (Debian's prometheus-node-exporter), naming the key, the chart value, the unit and the fix", () => {
    const r = host([{ port: 9100, proto: "tcp", pid: 812 }], { 812: { comm: "prometheus-node", cgroup: "0::/system.slice/prometheus-node-exporter.service" } })();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "layer host ports on node pi-1: k3s-stacks:addons.monitoring.enabled: the node exporter (chart kube-prometheus-stack) binds 9100/tcp in pi-1's network namespace (prometheus-node-exporter.service.port), but prometheus-node (pid 812, systemd unit prometheus-node-exporter.service) already holds it there, so the pod would fail with 'bind: address already in use' and the release would time out. Fix: stop and disable it on pi-1 ('systemctl disable --now prometheus-node-exporter.service'), then re-run pulumi up.\n",
    );
  });

  it("fails each port of MetalLB's speaker held on the host, by protocol; a process outside systemd is named by pid", () => {
    const r = host([{ port: 7946, proto: "udp", pid: 77 }, { port: 7472, proto: "tcp" }], { 77: { comm: "serf", cgroup: "0::/user.slice/user-1000.slice/session-3.scope" } })();
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      "layer host ports on node pi-1: k3s-stacks:addons.loadBalancer.type: MetalLB's speaker (chart metallb) binds 7472/tcp in pi-1's network namespace (prometheus.metricsPort), but a socket without a process ss could name already holds it there, so the pod would fail with 'bind: address already in use' and the release would time out. Fix: find it with 'ss -lnp -t sport = :7472' on pi-1 and free the port, then re-run pulumi up.",
    );
    expect(lines[1]).toContain("MetalLB's speaker (chart metallb) binds 7946/udp in pi-1's network namespace (speaker.memberlist.mlBindPort), but serf (pid 77) already holds it there");
    expect(lines[1]).toContain("Fix: stop serf (pid 77) on pi-1 and keep it from starting again, then re-run pulumi up.");
  });

  it("does not take a TCP listener for the UDP port, nor the reverse", () => {
    const r = host([{ port: 9100, proto: "udp", pid: 5 }, { port: 7472, proto: "udp", pid: 5 }], { 5: { comm: "x", cgroup: "0::/system.slice/x.service" } })();
    expect(r.status).toBe(0);
  });

  it("does nothing on delete", () => {
    const held = host([{ port: 9100, proto: "tcp", pid: 812 }], { 812: { comm: "node_exporter", cgroup: "0::/system.slice/node_exporter.service" } });
    expect(held("delete").status).toBe(0);
  });
});

describe("hostPortClaims", () => {
  it("checks a node only for the pods placed there: the speaker tolerates the control-plane NoSchedule taint only, the node exporter every NoSchedule", () => {
    const nodes = [
      node("s1", 10, { role: "server", taints: ["node-role.kubernetes.io/control-plane:NoSchedule"] }),
      node("gpu", 11, { taints: ["dedicated=gpu:NoSchedule"] }),
      node("edge", 12, { taints: ["CriticalAddonsOnly=true:NoExecute"] }),
      node("a1", 13),
    ];
    const by = (release: string) => hostPortClaims(both, nodes).filter((c) => c.release === release).map((c) => c.node.name);
    expect(by("metallb")).toEqual(["s1", "a1"]);
    expect(by("kube-prometheus-stack")).toEqual(["s1", "gpu", "a1"]);
    expect(hostPortClaims(parseAddonsConfig({}), nodes)).toEqual([]);
  });
});
