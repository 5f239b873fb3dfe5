import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, ConfigRoot, isArgument, keyPath } from "../rules/errors";
import { filled, mapping } from "../rules/issues";
import { DISABLE_VALUES, configProblems, flagType } from "../rules/flags";
import { NodeRole } from "../nodes/types";
import { ClusterSettings } from "../k3s/settings";
import { ConfigContribution } from "../k3s/types";
import { S3SettingNames, s3EndpointProblem } from "../rules/s3-endpoint";
import { layerConflictProblems, layerKeyConflicts } from "../k3s/layer-keys";
import { layerPortsSchema } from "../rules/ports";
import { managedKeyProblems } from "../rules/managed-flags";
import { plainContributionCredentialProblems } from "../rules/credential-flags";
import { flagValueProblems } from "../rules/flag-values";
import { ContributionRoots, contributionRoot, mergedConfigProblems } from "./merged-config";

/** One of K3sCluster's `contributions`: config.yaml keys per role, and what the layer tells the cluster. */
export const contributionSchema = z
  .object({
    server: mapping(z.string(), z.unknown(), "k3s server config.yaml keys to values", "server: { 'kube-apiserver-arg': ['audit-log-maxage=30'] }").optional(),
    all: mapping(z.string(), z.unknown(), "k3s config.yaml keys to values for every node", "all: { 'node-label': ['tier=edge'] }").optional(),
    disable: z.array(z.enum(DISABLE_VALUES as [string, ...string[]])).optional(),
    secret: z.boolean().optional(),
    longhorn: z
      .object({ nodes: z.array(filled("a node name of K3sCluster.args.nodes")).min(1).optional(), replicas: z.number().int().min(1).optional() })
      .strict()
      .meta({ examples: [{ nodes: ["pi-1", "pi-2"], replicas: 2 }] })
      .optional(),
    ports: layerPortsSchema.optional(),
  })
  .strict();

const S3_ENDPOINT = "etcd-s3-endpoint";
const CONTRIBUTION_S3_NAMES: S3SettingNames = { keys: "etcd-s3-access-key and etcd-s3-secret-key (in a contribution with secret: true)", folder: "etcd-s3-folder", bucket: "etcd-s3-bucket" };

function s3EndpointProblems(endpoint: unknown, key: string): string[] {
  const problem = typeof endpoint === "string" ? s3EndpointProblem(endpoint, CONTRIBUTION_S3_NAMES) : undefined;
  return problem ? [`${key}: ${problem}`] : [];
}

/**
 * Contributions come from code, not a stack file, but a bad key would still break nodes, so they are
 * held to serverConfig's rules (k3s/settings.ts checkClusterSettings): each key per role against the
 * k3s flag table, and its value where k3s takes a fixed set; keys k3s-stacks manages (token, node-ip,
 * cluster-cidr, datastore-endpoint, ... rules/managed-flags.ts) refused, except the etcd-snapshot and
 * etcd-s3 families a snapshots layer contributes and tls-san names, joined with tlsSans; credentials (vpn-auth, the S3 keys) only in a
 * contribution marked secret. A key both a contribution and serverConfig/agentConfig set differently
 * is refused (k3s/layer-keys.ts). Each role's merged keys (the user's and every contribution's) go
 * through checkClusterSettings's Kubernetes rules (merged-config.ts): kubelet flags and feature gates
 * of the pinned release, --version/--help, proxy-mode, datastore flags. Values not known yet (Outputs)
 * are checked by key only.
 * `roots` names the contributions (`K3sCluster.args.contributions`, or the stack layer each comes
 * from), `cluster` the component's arguments or the stack's `cluster` key.
 */
export function checkContributions(list: ConfigContribution[], roots: ContributionRoots, cluster: ConfigRoot, settings: ClusterSettings): void {
  const problems = list.flatMap((c, i) => {
    const root = contributionRoot(roots, i);
    const at = (part: "server" | "all") => (path: Array<string | number>) => keyPath(root, [part, ...path]);
    const managed = { server: managedKeyProblems(c.server ?? {}, cluster, at("server"), { layer: true }), all: managedKeyProblems(c.all ?? {}, cluster, at("all"), { layer: true }) };
    // A managed key is reported once, as managed; an Output is checked by its key alone.
    const checkable = (part: "server" | "all", role: NodeRole) =>
      Object.fromEntries(Object.entries(c[part] ?? {}).filter(([k, v]) => !managed[part].keys.has(k) && (!pulumi.Output.isInstance(v) || !flagType(role, k.replace(/\+$/, "")))));
    const plain = (part: "server" | "all") => Object.fromEntries(Object.entries(c[part] ?? {}).filter(([, v]) => !pulumi.Output.isInstance(v)));
    const contribution = keyPath(root, []);
    return [
      ...configProblems("server", checkable("server", "server"), keyPath(root, ["server"])),
      // `all` goes to servers too, so it must be a flag of both roles.
      ...configProblems("agent", checkable("all", "agent"), keyPath(root, ["all"])),
      ...configProblems("server", checkable("all", "server"), keyPath(root, ["all"])),
      ...managed.server.problems,
      ...managed.all.problems,
      ...(c.secret ? [] : [...plainContributionCredentialProblems(c.server ?? {}, (k) => at("server")([k]), contribution), ...plainContributionCredentialProblems(c.all ?? {}, (k) => at("all")([k]), contribution)]),
      ...flagValueProblems(plain("server"), settings.k3sVersion, (flag) => at("server")([flag])),
      ...flagValueProblems(plain("all"), settings.k3sVersion, (flag) => at("all")([flag])),
      // The stack's snapshots.s3.endpoint rule, on the k3s key it becomes (a server flag: in `all` it is refused above).
      ...s3EndpointProblems(c.server?.[S3_ENDPOINT], keyPath(root, ["server", S3_ENDPOINT])),
      // A contribution joins the user's lists (k3s/layer-keys.ts); a different value for the same key or argument is refused.
      ...([["serverConfig", settings.serverConfig], ["agentConfig", settings.agentConfig]] as const).flatMap(([name, user]) =>
        layerConflictProblems(layerKeyConflicts(user, { ...c.all, ...(name === "serverConfig" ? c.server : {}) }), { arg: keyPath(cluster, [name]) }, contribution, isArgument(root) ? "change the contribution" : `change ${contribution}`)),
    ];
  });
  problems.push(...mergedConfigProblems(list, roots, cluster, settings));
  if (problems.length) throw new ConfigError(problems);
}

