import * as os from "os";
import { ConfigError } from "../../components/rules/errors";
import { GENERIC_FIXES } from "../../components/rules/issues";
import { parseClusterConfig, clusterSchema } from "../../components/k3s/settings";
import { parseInventoryConfig } from "../../components/nodes/inventory";
import { inventorySchema } from "../../components/nodes/inventory/schema";
import { localSchema, parseLocalConfig } from "../../components/nodes/local";
import { cloudSchema } from "../../components/nodes/cloud/config";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { addonsSchema, parseAddonsConfig } from "../../components/addons/config";
import { parseSnapshotConfig, parseUpgradeConfig, snapshotSchema, upgradeSchema } from "../../components/day-two/config";
import { parseRegistriesConfig, registriesSchema } from "../../components/registries/config";
import { airgapSchema, parseAirgapConfig } from "../../components/airgap/config";
import { cephExternalSchema, parseCephExternalSecrets } from "../../components/addons/rook-external";
import { KIND_ONLY, badValues } from "./support/bad-values";

/** Words of the schema library (zod) that a YAML user never wrote. */
const ZOD_WORDS = /record|discriminator|Invalid option|Invalid input|Too small|Too big|\bexpected\b|Unrecognized|nonoptional|safeint/i;

const KEY = "A".repeat(38) + "==";
const machine = { hostname: "box", arch: "x64", user: "root" };
const cases: Array<{ key: string; schema: Parameters<typeof badValues>[0]; base: unknown; parse: (raw: unknown) => unknown }> = [
  { key: "cluster", schema: clusterSchema, base: { k3sVersion: "v1.31.4+k3s1" }, parse: parseClusterConfig },
  { key: "inventory", schema: inventorySchema, base: { hosts: [{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }] }, parse: parseInventoryConfig },
  { key: "local", schema: localSchema, base: {}, parse: (raw) => parseLocalConfig(raw, machine) },
  {
    key: "cloud",
    schema: cloudSchema,
    base: { provider: "hetzner", hetzner: { location: "fsn1" }, adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools: [{ name: "cp", role: "server", count: 1, type: "cx23" }] },
    parse: (raw) => parseCloudConfig(raw, { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" }),
  },
  { key: "addons", schema: addonsSchema, base: {}, parse: parseAddonsConfig },
  { key: "upgrade", schema: upgradeSchema, base: {}, parse: parseUpgradeConfig },
  { key: "snapshots", schema: snapshotSchema, base: {}, parse: parseSnapshotConfig },
  { key: "registries", schema: registriesSchema, base: {}, parse: (raw) => parseRegistriesConfig(raw, undefined, true, os.tmpdir()) },
  { key: "airgap", schema: airgapSchema, base: { bundleDir: "bundle" }, parse: parseAirgapConfig },
  {
    key: "cephExternal",
    schema: cephExternalSchema,
    base: { monitors: ["10.0.0.5:6789"], userKey: KEY, rbdNodeKey: KEY, rbdProvisionerKey: KEY },
    parse: (raw) => parseCephExternalSecrets(raw, true, { type: "rook-ceph", external: { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "rbd", user: "client.healthchecker" } }),
  },
];

describe("every config problem reads 'key: what is wrong. Fix: <concrete fix>' in the user's words", () => {
  test.each(cases)("k3s-stacks:$key with bad values at every field", ({ key, schema, base, parse }) => {
    expect(() => parse(base)).not.toThrow();
    const bad: string[] = [];
    let refused = 0;
    let records = 0;
    for (const doc of badValues(schema, base)) {
      let problems: string[] = [];
      try {
        parse(doc.value);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems = e.problems;
        refused++;
      }
      if (doc.recordAt) records++;
      if (doc.recordAt && !problems.some((p) => /must be a mapping of \S/.test(p))) bad.push(`${doc.what} → no "must be a mapping of <what>" in ${JSON.stringify(problems)}`);
      for (const p of problems) {
        const shape = p.startsWith(`k3s-stacks:${key}`) && /: .+\. Fix: \S/.test(p);
        if (!shape || ZOD_WORDS.test(p) || KIND_ONLY.test(p) || GENERIC_FIXES.some((g) => p.includes(g))) bad.push(`${doc.what} → ${p}`);
      }
    }
    expect(bad).toEqual([]);
    expect(refused).toBeGreaterThan(0);
    // Mappings of free keys: labels (inventory, local, cloud), k3s flags (cluster), registries, charts (addons).
    if (["cluster", "inventory", "local", "cloud", "addons", "registries"].includes(key)) expect(records).toBeGreaterThan(0);
  });
});

// Values of a fixed set as users mistype them: the value meant is named before the list (stackfiles).
test.each([
  [() => parseAddonsConfig({ loadBalancer: { type: "metalLB" } }), "k3s-stacks:addons.loadBalancer.type", '"metallb"'],
  [() => parseAddonsConfig({ storage: { type: "longhron" } }), "k3s-stacks:addons.storage.type", '"longhorn"'],
  [() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", disable: ["Traefik"] }), "k3s-stacks:cluster.disable[0]", '"traefik"'],
  [() => parseInventoryConfig({ hosts: [{ name: "n1", address: "10.0.0.1", role: "master", arch: "amd64" }] }), "k3s-stacks:inventory.hosts[0].role", '"server"'],
  [() => parseInventoryConfig({ hosts: [{ name: "n1", address: "10.0.0.1", role: "server", arch: "amd64" }, { name: "n2", address: "10.0.0.2", role: "worker", arch: "amd64" }] }), "k3s-stacks:inventory.hosts[1].role", '"agent"'],
])("%#: the value meant comes first in the fix", (parse, key, meant) => {
  let problems: string[] = [];
  try {
    parse();
  } catch (e) {
    problems = (e as ConfigError).problems;
  }
  expect(problems).toEqual([expect.stringMatching(new RegExp(`^${key.replace(/[.[\]]/g, "\\$&")}: .*Fix: use ${meant} \\(one of `))]);
});
