import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../remote/command";
import { scriptFrame, shq } from "../remote/shell";
import { NodeSpec } from "../nodes/types";
import { ConfigRoot, keyPath } from "../rules/key-path";
import { checkRowsTail } from "./node-check";

/** One OSD device as listed, and the setting that lists it (named in the message). */
export interface RookDevice {
  name: string;
  key: string;
}

/**
 * Bash that checks, changing nothing, that each device listed for Rook's OSDs on one node can become
 * an OSD: Rook takes only raw devices, raw partitions and LVM logical volumes without a filesystem
 * (Rook's prerequisites) and silently skips any other ("skipping device ... because it contains a
 * filesystem", rook/rook#5310, #6865; a disk with partitions is passed over for its partitions,
 * rook/rook#7113), so the cluster would come up short of OSDs with its claims Pending. A device is
 * a bare name under /dev (sdb) or a full path (/dev/disk/by-id/...), as Rook reads it. One that
 * already is an OSD (Ceph's BlueStore signature, or Ceph's LVM volume below it) passes, so a later
 * run of a working cluster goes on. Nothing is wiped: the fix names the commands (Rook's teardown
 * guide, "Zapping Devices"). `$1` is the phase: create|update check; anything else does nothing.
 */
export function renderRookDevicesScript(nodeName: string, devices: RookDevice[]): string {
  const rows = devices.map((d) => `${shq(d.name)} ${shq(d.key)}`);
  const body = `node=${shq(nodeName)}
problems=()
check_device() {
  local dev=$1 key=$2 path type fstype name kind parts=""
  case "$dev" in /*) path=$dev ;; *) path=/dev/$dev ;; esac
  type=$(lsblk -dno TYPE "$path" 2>/dev/null || true)
  if [ -z "$type" ]; then
    problems+=("$key: $node has no block device $path. Fix: list a device that 'lsblk' shows on $node, by name (sdb) or by a stable path (/dev/disk/by-id/...).")
    return
  fi
  fstype=$(lsblk -dno FSTYPE "$path" 2>/dev/null || true)
  # Already an OSD: BlueStore on the device itself, or Ceph's volume on it (ceph-* LV, or dm-crypt mapping when encrypted).
  [ "$fstype" = ceph_bluestore ] && return
  while read -r name kind; do
    case "$name" in ceph-*) return ;; esac
    if [ "$kind" = part ]; then parts="\${parts:+$parts, }$name"; fi
  done < <(lsblk -lno NAME,TYPE "$path" 2>/dev/null | tail -n +2)
  local wipe="if nothing on it is needed, wipe it on $node ('wipefs --all $path', and 'sgdisk --zap-all $path' for a partition table; Rook's teardown guide, Zapping Devices), or list an empty device"
  if [ -n "$fstype" ]; then
    problems+=("$key: $path on $node holds $fstype, and Rook makes OSDs only of devices without a filesystem or volume signature (it would skip this one and the cluster would lack its OSD). Fix: $wipe.")
  elif [ -n "$parts" ]; then
    problems+=("$key: $path on $node has partitions ($parts), so Rook would pass over the disk for them. Fix: list an empty partition instead, or $wipe.")
  fi
}
${checkRowsTail({ fn: "check_device", arity: 2, rows, prefix: "rook-ceph OSD devices on node $node", ok: "rook-ceph OSD devices ready on node $node" })}`;
  return scriptFrame(`Rook OSD devices on ${nodeName} (read-only check)`, { "create|update": body });
}

/**
 * The remote command that checks one OSD node's listed devices over its SSH connection before the
 * Rook cluster release; it reruns when the list (and so the script) changes. `configRoot` names the
 * addons settings (`k3s-stacks:addons` by default).
 */
export function rookDevicesCommand(name: string, node: NodeSpec, devices: string[], nodeIndex: number, opts: pulumi.CustomResourceOptions, configRoot: ConfigRoot = "addons"): ScriptCommand {
  const listed = devices.map((d, j) => ({ name: d, key: keyPath(configRoot, ["storage", "nodes", nodeIndex, "devices", j]) }));
  return remoteScript(name, { connection: node.connection, script: renderRookDevicesScript(node.name, listed), values: [node.name], phases: ["create", "update"] }, { ...opts, dependsOn: opts.dependsOn ?? node.dependsOn });
}
