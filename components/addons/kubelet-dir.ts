import { ConfigRoot, keyPath } from "../rules/key-path";
import { argName } from "../rules/managed-flags";
import { AddonsConfig } from "./config";

/**
 * The kubelet's root directory on k3s unless a `kubelet-arg` sets `root-dir`: k3s passes none of its
 * own. CSI node plugins register their sockets under it (`plugins_registry/`, `plugins/`) through
 * host paths fixed at install time; Longhorn's driver deployer looks for a `kubelet` process to read
 * `--root-dir` from, which k3s does not have (the kubelet runs inside k3s), so its chart value
 * `csi.kubeletRootDir` must name the directory (longhorn chart 1.12.1 values, reference §11).
 */
export const DEFAULT_KUBELET_ROOT_DIR = "/var/lib/kubelet";

/** A `root-dir` a kubelet-arg list sets, with where; the last one wins, as k3s keeps the last value of an argument. */
export interface RootDirArg {
  dir: string;
  where: string;
}

function rootDirIn(config: Record<string, unknown> | undefined, root: ConfigRoot): RootDirArg | undefined {
  let found: RootDirArg | undefined;
  for (const key of ["kubelet-arg", "kubelet-arg+"]) {
    const list = config?.[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      if (typeof entry === "string" && argName(entry) === "root-dir") found = { dir: entry.slice(entry.indexOf("=") + 1).trim().replace(/\/+$/, "") || "/", where: keyPath(root, [key, i]) };
    });
  }
  return found;
}

/**
 * The kubelet root directories of servers and agents from the cluster's serverConfig/agentConfig
 * (agentConfig applies to servers too unless serverConfig sets the list); `roots` name them (the stack's keys by default).
 */
export function kubeletRootDirs(serverConfig: Record<string, unknown> = {}, agentConfig: Record<string, unknown> = {}, roots: { server: ConfigRoot; agent: ConfigRoot } = { server: "cluster.serverConfig", agent: "cluster.agentConfig" }): { server?: RootDirArg; agent?: RootDirArg } {
  const serverHasList = "kubelet-arg" in serverConfig || "kubelet-arg+" in serverConfig;
  return {
    server: serverHasList ? rootDirIn(serverConfig, roots.server) : rootDirIn(agentConfig, roots.agent),
    agent: rootDirIn(agentConfig, roots.agent),
  };
}

/**
 * Problems of a moved kubelet root directory with the storage layer; the directory Longhorn's values
 * take otherwise. Rook's chart (rook-ceph v1.20.6) has no value for it, so Rook refuses any but the default.
 */
export function kubeletRootDirProblems(cfg: AddonsConfig, dirs: { server?: RootDirArg; agent?: RootDirArg }, hasAgents: boolean, addonsRoot: ConfigRoot): { problems: string[]; dir?: string } {
  const storage = cfg.storage.type;
  if (storage === "local-path") return { problems: [] };
  const server = dirs.server?.dir ?? DEFAULT_KUBELET_ROOT_DIR;
  const agent = dirs.agent?.dir ?? DEFAULT_KUBELET_ROOT_DIR;
  const moved = [dirs.server, hasAgents ? dirs.agent : undefined].filter((d): d is RootDirArg => d !== undefined && d.dir !== DEFAULT_KUBELET_ROOT_DIR);
  if (moved.length === 0) return { problems: [] };
  const storageKey = keyPath(addonsRoot, ["storage", "type"]);
  if (storage === "rook-ceph") {
    return {
      problems: [...new Set(moved.map((d) => d.where))].map((where) => `${where}: 'root-dir=${moved.find((d) => d.where === where)!.dir}' moves the kubelet's root directory, but Rook's Ceph CSI driver registers under ${DEFAULT_KUBELET_ROOT_DIR} (chart rook-ceph v1.20.6 has no value to change it), so no Ceph volume would mount (${storageKey}: rook-ceph). Fix: remove root-dir here and mount the other disk at ${DEFAULT_KUBELET_ROOT_DIR} instead.`),
    };
  }
  if (hasAgents && server !== agent) {
    const where = (dirs.agent ?? dirs.server)!.where;
    return { problems: [`${where}: servers' kubelets use ${server} and agents' ${agent}, but Longhorn's CSI plugin takes one kubelet root directory for every node (${storageKey}: longhorn). Fix: give servers and agents the same root-dir (in cluster.agentConfig, which servers share).`] };
  }
  return { problems: [], dir: server };
}
