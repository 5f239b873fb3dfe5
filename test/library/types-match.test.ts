// The documented argument types and the schemas that check them at run time describe the same
// arguments: same keys, and every value the type allows passes the schema's type. Checked by tsc
// (typecheck runs over test/); the assertions make each check a test.
import { z } from "zod";
import { NodeArgs } from "../../components";
import { nodeSpecSchema } from "../../components/nodes/spec";
import { K3sClusterProgramArgs, k3sClusterArgsSchema } from "../../components/cluster/args";
import { ClusterAddonsArgs, clusterAddonsArgsSchema } from "../../components/addons/args";

/** true when A and B are each assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** true when every A is a valid B. */
type Fits<A, B> = [A] extends [B] ? true : false;

test("NodeArgs is exactly what the node schema accepts", () => {
  const same: Same<NodeArgs, z.input<typeof nodeSpecSchema>> = true;
  expect(same).toBe(true);
});

test("K3sClusterArgs has the schema's keys, and every value it allows passes the schema", () => {
  const keys: Same<keyof K3sClusterProgramArgs, keyof z.input<typeof k3sClusterArgsSchema>> = true;
  const fits: Fits<K3sClusterProgramArgs, z.input<typeof k3sClusterArgsSchema>> = true;
  expect([keys, fits]).toEqual([true, true]);
});

test("ClusterAddonsArgs has the schema's keys, and every value it allows passes the schema", () => {
  const keys: Same<keyof ClusterAddonsArgs, keyof z.input<typeof clusterAddonsArgsSchema>> = true;
  const fits: Fits<ClusterAddonsArgs, z.input<typeof clusterAddonsArgsSchema>> = true;
  expect([keys, fits]).toEqual([true, true]);
});
