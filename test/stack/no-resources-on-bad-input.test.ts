// The proof: for every kind of bad input (bad-input-cases.ts), the whole program evaluated
// under mocks fails with a ConfigError whose message names the key and a fix, and registers no
// resource at all: nothing was declared, so nothing can touch a machine or a cloud account. The one
// registration allowed is the read of this stack's own previous outputs (a StackReference), which
// the previous-output checks need as input.
import { ConfigError } from "../../components/rules/errors";
import { MockState, installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { BAD_INPUTS, BadInput, cloudStack, inventoryStack } from "./bad-input-cases";
import { drain } from "./support/harness";
import { main } from "../../stacks/main";
import { planStack } from "../../components/plan/plan-stack";

const PREVIOUS_READ = { type: "pulumi:pulumi:StackReference", name: "k3s-stacks-previous-outputs" };

async function evaluate(row: Pick<BadInput, "config" | "secrets" | "previous">): Promise<{ state: MockState; error: unknown }> {
  const state = await installMocks({ outputs: (type) => (type === PREVIOUS_READ.type ? { outputs: row.previous ?? {} } : {}) });
  setStackConfig(row.config, row.secrets ?? {});
  let error: unknown;
  try {
    await main();
  } catch (e) {
    error = e;
  }
  await drain();
  return { state, error };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test.each(BAD_INPUTS.map((r) => [r.kind, r] as const))("%s: nothing is registered; the message names the key and a fix", async (_kind, row) => {
  const { state, error } = await evaluate(row);
  expect(error).toBeInstanceOf(ConfigError);
  expect(state.resources.filter((r) => !(r.type === PREVIOUS_READ.type && r.name === PREVIOUS_READ.name))).toEqual([]);
  if (process.env.SHOW_PROBLEMS) console.log((error as ConfigError).problems.join("\n"));
  expect((error as ConfigError).problems).toContainEqual(expect.stringMatching(new RegExp(`^${esc(row.key)}: .+\\. Fix: .*${esc(row.fix)}`)));
});

test("every layer has a row, for inventory and cloud stacks", () => {
  const layers = new Set(BAD_INPUTS.map((r) => r.kind.split(":")[0]));
  for (const layer of ["cluster", "secrets", "inventory host", "cloud pool", "addons", "kube-vip", "snapshots", "upgrade", "registries", "airgap", "previous outputs"]) expect(layers).toContain(layer);
  expect(BAD_INPUTS.some((r) => "k3s-stacks:cloud" in r.config && r.kind.startsWith("addons"))).toBe(true);
});

test("the base stacks of the table plan cleanly: each row fails only for its own reason", () => {
  for (const config of [inventoryStack(), cloudStack()]) {
    const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^k3s-stacks:/, ""), v]));
    expect(planStack({ values, secretKeys: new Set(), baseDir: "." }, undefined).nodes.map((n) => n.name)).toEqual(
      "k3s-stacks:cloud" in config ? ["server-0", "agent-0", "agent-1"] : ["s1", "a1", "a2"],
    );
  }
});
