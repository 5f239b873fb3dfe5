// A key a stack file must set, when missing, is refused with what to set it to: the kind alone
// ("set it to a string") is no fix a user can act on. Every required key of every stack setting
// carries a description or examples (rules/required.ts), which the message words.
import { z } from "zod";
import { parseConfig } from "../../components/rules/errors";
import { clusterSchema } from "../../components/k3s/settings";
import { registriesSchema } from "../../components/registries/config";
import { inventorySchema } from "../../components/nodes/inventory/schema";
import { cloudSchema } from "../../components/nodes/cloud/config";
import { localSchema } from "../../components/nodes/local/index";
import { addonsSchema } from "../../components/addons/config";
import { cephExternalSchema } from "../../components/addons/rook-external";
import { airgapSchema } from "../../components/airgap/config";
import { snapshotSchema, upgradeSchema } from "../../components/day-two/config";
import { k3sClusterArgsSchema } from "../../components/cluster/args";
import { nodeSpecSchema } from "../../components/nodes/spec";
import { clusterAddonsArgsSchema } from "../../components/addons/args";
import { cloudClusterSchema } from "../../components/nodes/sources";

const ROOTS: Record<string, z.ZodType> = {
  cluster: clusterSchema,
  registries: registriesSchema,
  inventory: inventorySchema,
  cloud: cloudSchema,
  local: localSchema,
  addons: addonsSchema,
  cephExternal: cephExternalSchema,
  airgap: airgapSchema,
  upgrade: upgradeSchema,
  snapshots: snapshotSchema,
  // The library's entry points: an argument a program must pass is held to the same rule.
  "K3sCluster.args": k3sClusterArgsSchema,
  "K3sCluster.args.nodes[]": nodeSpecSchema,
  "ClusterAddons.args": clusterAddonsArgsSchema,
  "cloudNodeSpecs.args.cluster": cloudClusterSchema,
};

type Def = { type: string } & Record<string, unknown>;
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
/** zod marks a key that may be missing: optional, or with a default (optin "defaulted"). */
const optional = (s: z.ZodType): boolean => ["optional", "defaulted"].includes((s as unknown as { _zod: { optin?: string } })._zod.optin ?? "");

/** Every key an object schema under `s` requires, with the schema zod reports it missing on. */
function requiredKeys(s: z.ZodType, path: string, out: Array<{ path: string; schema: z.ZodType }>, depth = 0): void {
  if (depth > 15) return;
  const d = defOf(s);
  const inner = (x: unknown, p = path) => requiredKeys(x as z.ZodType, p, out, depth + 1);
  switch (d.type) {
    case "object":
      for (const [k, v] of Object.entries(d.shape as Record<string, z.ZodType>)) {
        // A transform reports a missing key on its input schema.
        let reported = v;
        while (defOf(reported).type === "pipe") reported = defOf(reported).in as z.ZodType;
        if (!optional(v)) out.push({ path: `${path}.${k}`, schema: reported });
        inner(v, `${path}.${k}`);
      }
      return;
    case "optional": case "default": case "prefault": case "nullable": case "readonly": case "catch":
      return inner(d.innerType);
    case "pipe":
      return inner(d.in);
    case "array":
      return inner(d.element, `${path}[]`);
    case "record":
      return inner(d.valueType, `${path}.<key>`);
    case "union":
      for (const o of d.options as z.ZodType[]) inner(o);
      return;
    case "intersection":
      inner(d.left);
      return inner(d.right);
  }
}

const keys = Object.entries(ROOTS).flatMap(([root, schema]) => {
  const out: Array<{ path: string; schema: z.ZodType }> = [];
  requiredKeys(schema, root, out);
  return out;
});

test("the walk finds the stack files' required keys", () => {
  expect(keys.map((k) => k.path)).toEqual(expect.arrayContaining(["cluster.k3sVersion", "inventory.hosts[].address", "snapshots.s3.bucket", "addons.loadBalancer.pools"]));
});

// Choices list themselves ("set it to one of ..."): enums and literals need nothing more.
const SELF_DESCRIBING = ["enum", "literal", "union", "boolean"];

test.each(keys.filter((k) => !SELF_DESCRIBING.includes(defOf(k.schema).type)).map((k) => [k.path, k.schema] as const))(
  "%s, when missing, says what to set it to",
  (_path, schema) => {
    const meta = z.globalRegistry.get(schema);
    expect(meta?.description ?? meta?.examples).toBeTruthy();
  },
);

test("the message words the description and an example in the stack file's terms", () => {
  const problems = (schema: z.ZodType, value: unknown, root: string): string[] => {
    try {
      parseConfig(schema, value, root as never);
      return [];
    } catch (e) {
      return (e as { problems: string[] }).problems;
    }
  };
  expect(problems(snapshotSchema, { s3: {} }, "snapshots")).toContainEqual(expect.stringMatching(/^k3s-stacks:snapshots\.s3\.bucket: is required\. Fix: set it to .*bucket.*, such as \S+\.$/));
  expect(problems(addonsSchema, { loadBalancer: { type: "metallb" } }, "addons")).toContainEqual(
    expect.stringMatching(/^k3s-stacks:addons\.loadBalancer\.pools: is required\. Fix: set it to .*such as \[ \{ name: .*addresses: \[ .* \] \} \]\.$/),
  );
});
