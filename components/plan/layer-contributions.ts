import type * as pulumi from "@pulumi/pulumi";
import { ConfigRoot } from "../rules/errors";
import { ConfigContribution } from "../k3s/types";
import { ClusterSettings } from "../k3s/settings";
import { SnapshotConfig } from "../day-two/config";
import { snapshotContribution } from "../day-two/snapshots";
import { ADDONS_KEY, AddonsConfig } from "../addons/config";
import { addonK3sContribution } from "../addons/k3s-contribution";
import { REGISTRIES_KEY, RegistriesSettings } from "../registries/config";
import { registriesContributions } from "../registries/registries";

/** The k3s config.yaml keys the stack's layers add, in the order K3sCluster merges them, each with the stack key it comes from. */
export interface StackContributions {
  list: ConfigContribution[];
  /** `roots[i]` names `list[i]` in messages: the layer's key (`registries.embeddedMirror`), never K3sCluster's arguments. */
  roots: ConfigRoot[];
}

/** The S3 credentials the snapshots contribution carries: secret values when wiring, mere presence when planning. */
export interface S3Keys {
  secretKey?: pulumi.Input<string>;
  accessKey?: pulumi.Input<string>;
}

/**
 * What the snapshots, addons and registries layers contribute to config.yaml. One function for both
 * uses, so the plan checks exactly what the program then passes to K3sCluster: planStack (with the
 * credentials' presence only) checks it with K3sCluster's contribution rules before anything is
 * registered, and stacks/main.ts (with the secret values) wires it.
 * Throws the snapshots layer's ConfigError (snapshots without etcd, S3 keys without s3).
 */
export function stackContributions(layers: { cluster: ClusterSettings; snapshots: SnapshotConfig; addons?: AddonsConfig; registries?: RegistriesSettings }, s3: S3Keys): StackContributions {
  const { cluster, snapshots, addons, registries } = layers;
  const list: ConfigContribution[] = [{ ...snapshotContribution(snapshots, cluster.datastore, s3), secret: s3.secretKey !== undefined || s3.accessKey !== undefined }];
  const roots: ConfigRoot[] = ["snapshots"];
  if (addons) {
    list.push(addonK3sContribution(addons, cluster.datastore));
    roots.push(ADDONS_KEY);
  }
  for (const { setting, contribution } of registries ? registriesContributions(registries.config) : []) {
    list.push(contribution);
    roots.push(`${REGISTRIES_KEY}.${setting}`);
  }
  return { list, roots };
}
