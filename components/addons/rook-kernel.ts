import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../remote/command";
import { scriptFrame, shq } from "../remote/shell";
import { NodeSpec } from "../nodes/types";
import { STORAGE_ARCHES, blocksScheduling } from "../nodes/storage-eligibility";
import { RookLayout } from "./eligibility";

/** Kernel modules Ceph CSI maps volumes with, by the kernel config option that builds each. */
const MODULES = { rbd: "CONFIG_BLK_DEV_RBD", ceph: "CONFIG_CEPH_FS" } as const;
export type CephKernelModule = keyof typeof MODULES;

/**
 * The modules a node needs to mount the layout's volumes: `rbd` for block volumes (Rook's
 * prerequisites: a kernel with the rbd module), `ceph` too when there is a CephFS class (its
 * kernel client). Ceph CSI's node plugin loads them itself, from the host's /lib/modules.
 */
export function cephKernelModules(layout: Pick<RookLayout, "filesystem" | "external">): CephKernelModule[] {
  return layout.filesystem || layout.external?.cephfs ? ["rbd", "ceph"] : ["rbd"];
}

/** The nodes whose pods may mount Ceph volumes: amd64/arm64 (Ceph CSI's images) without a NoSchedule/NoExecute taint. */
export function cephClientNodes<N extends Pick<NodeSpec, "arch" | "taints">>(nodes: N[]): N[] {
  return nodes.filter((n) => STORAGE_ARCHES.includes(n.arch) && !n.taints.some(blocksScheduling));
}

/**
 * Bash that checks, changing nothing, that the running kernel has each module (loaded, loadable or
 * built in: `modprobe -n` resolves all three). Without rbd a volume never maps on that node
 * ("modprobe: FATAL: Module rbd not found", rook/rook#1677 and #1985 on vendor ARM kernels), so the
 * pods that claim it stay in ContainerCreating. `$1` is the phase: create|update check; anything else
 * does nothing.
 */
export function renderCephKernelScript(nodeName: string, modules: CephKernelModule[]): string {
  const body = `node=${shq(nodeName)}
kernel=$(uname -r)
missing=()
for m in ${modules.join(" ")}; do
  modprobe -n -q "$m" 2>/dev/null || missing+=("$m")
done
if [ "\${#missing[@]}" -gt 0 ]; then
  options=""
  for m in "\${missing[@]}"; do
    case "$m" in
${modules.map((m) => `      ${m}) options="\${options:+$options, }${MODULES[m]} ($m)" ;;`).join("\n")}
    esac
  done
  echo "rook-ceph on node $node: kernel $kernel has no \${missing[*]} module, which Ceph CSI loads to mount Ceph volumes on this node, so pods using them here would never start. Fix: install your distribution's package of kernel modules for $kernel, or boot a kernel built with $options, then re-run pulumi up." >&2
  exit 1
fi
echo "rook-ceph kernel modules ready on node $node"`;
  return scriptFrame(`Ceph kernel modules on ${nodeName} (read-only check)`, { "create|update": body });
}

/** The remote command that checks one node's kernel for Ceph CSI over its SSH connection before the Rook cluster release. */
export function cephKernelCommand(name: string, node: NodeSpec, modules: CephKernelModule[], opts: pulumi.CustomResourceOptions): ScriptCommand {
  return remoteScript(name, { connection: node.connection, script: renderCephKernelScript(node.name, modules), values: [node.name], phases: ["create", "update"] }, { ...opts, dependsOn: opts.dependsOn ?? node.dependsOn });
}
