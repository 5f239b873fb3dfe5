// A node whose kubelet runs with protect-kernel-defaults (host/kernel-defaults.ts): its config script,
// in a real bash against a fake `sysctl` that keeps the running values and applies the sysctl files as
// `sysctl --system` does (/etc/sysctl.d in name order, then /etc/sysctl.conf), leaves the kernel as the
// kubelet requires it, and the undo on removal puts back what the host had.
import * as fs from "fs";
import * as path from "path";
import { LOG_CALL } from "./support/shell";
import { put } from "./support/host";
import { host, read, render, run, sb } from "./support/prep-host";
import { renderPrepUndo } from "../../components/k3s/host/undo";
import { KUBELET_KERNEL_DEFAULTS } from "../../components/k3s/host/kernel-defaults";
import { HOST_PATHS } from "./support/host";

// A Debian kernel's values: each differs from what the kubelet requires.
const BEFORE: Record<string, string> = {
  "vm.panic_on_oom": "0", "vm.overcommit_memory": "0", "kernel.panic": "0", "kernel.panic_on_oops": "0",
  "kernel.keys.root_maxkeys": "200", "kernel.keys.root_maxbytes": "20000",
};

function statefulSysctl(): void {
  const state = path.join(sb.dir, "sysctl-state");
  fs.mkdirSync(state, { recursive: true });
  for (const [k, v] of Object.entries(BEFORE)) fs.writeFileSync(path.join(state, k), `${v}\n`);
  sb.fake("sysctl", `state=${state}
case "$1" in
  -n) cat "$state/$2" 2>/dev/null || echo 0 ;;
  --system) ${LOG_CALL}
    for f in $(ls ${sb.dir}/etc/sysctl.d/*.conf 2>/dev/null | sort); do
      while IFS='=' read -r k v; do k=$(echo $k); v=$(echo $v); [ -n "$k" ] && echo "$v" > "$state/$k"; done < "$f"
    done ;;
  -qw) ${LOG_CALL}; echo "\${2#*=}" > "$state/\${2%%=*}" ;;
  *) ${LOG_CALL} ;;
esac`);
}
const running = () => Object.fromEntries(Object.keys(KUBELET_KERNEL_DEFAULTS).map((k) => [k, read(`sysctl-state/${k}`).trim()]));
const required = Object.fromEntries(Object.entries(KUBELET_KERNEL_DEFAULTS).map(([k, v]) => [k, String(v)]));
const inSandbox = (s: string) => HOST_PATHS.reduce((acc, p) => acc.split(p).join(sb.dir + p), s);

beforeEach(() => {
  host("debian");
  statefulSysctl();
});

test("the prep writes the kubelet's kernel settings to the k3s sysctl file and applies them", () => {
  const r = run(render({ kernelDefaults: true }));
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(running()).toEqual(required);
  expect(read("etc/sysctl.d/90-k3s.conf")).toContain("vm.overcommit_memory = 1\nkernel.panic = 10\nkernel.panic_on_oops = 1\nkernel.keys.root_maxkeys = 1000000\nkernel.keys.root_maxbytes = 25000000\n");
});

test("without protect-kernel-defaults the kernel keeps its values", () => {
  expect(run(render()).status).toBe(0);
  expect(running()).toEqual(BEFORE);
});

test("a second run changes nothing; values reset at run time are applied again", () => {
  expect(run(render({ kernelDefaults: true })).status).toBe(0);
  sb.calls();
  expect(run(render({ kernelDefaults: true })).status).toBe(0);
  expect(sb.calls().filter((c) => c.startsWith("sysctl"))).toEqual([]);
  fs.writeFileSync(path.join(sb.dir, "sysctl-state/kernel.panic"), "0\n");
  expect(run(render({ kernelDefaults: true })).status).toBe(0);
  expect(running()).toEqual(required);
});

test("a later sysctl file that overrides one of them fails the prep naming the file, before k3s starts", () => {
  put(sb, "etc/sysctl.d/99-hardening.conf", "vm.overcommit_memory = 2\nkernel.panic = 10\n");
  const r = run(render({ kernelDefaults: true }));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`n1: its kubelet runs with protect-kernel-defaults and exits at start unless the kernel settings hold exactly`);
  expect(r.stderr).toContain(`vm.overcommit_memory is 2, not 1 (set by: ${sb.dir}/etc/sysctl.d/99-hardening.conf )`);
  expect(r.stderr).not.toContain("kernel.panic is");
  expect(r.stderr).toContain("Fix: set these values in the files named (or remove the lines there), or drop protect-kernel-defaults");
  expect(fs.existsSync(path.join(sb.dir, "etc/rancher/k3s/config.yaml"))).toBe(false);
});

test("the undo on removal puts back the values the host had, also when the record predates protect-kernel-defaults", () => {
  expect(run(render()).status).toBe(0);
  expect(run(render({ kernelDefaults: true })).status).toBe(0);
  expect(running()).toEqual(required);
  const r = sb.run(["bash", "-c", `set -euo pipefail\n${inSandbox(renderPrepUndo("n1"))}`]);
  expect(r.stderr).toBe("");
  expect(running()).toEqual(BEFORE);
});
