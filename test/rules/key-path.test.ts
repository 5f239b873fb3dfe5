// How a check names a setting: the stack's key, or a library argument phrased for code.
import { isArgument, keyPath, settingName } from "../../components/rules/key-path";

test("a stack root is a k3s-stacks: key, in the problem and in the fix", () => {
  expect(isArgument("cluster")).toBe(false);
  expect(keyPath("cluster", ["disable"])).toBe("k3s-stacks:cluster.disable");
  expect(keyPath("inventory", ["hosts", 0, "address"])).toBe("k3s-stacks:inventory.hosts[0].address");
  expect(settingName("local", ["name"])).toBe("k3s-stacks:local.name");
});

test("a library root names the argument path in the problem, and field and argument in the fix", () => {
  expect(isArgument({ arg: "K3sCluster.args" })).toBe(true);
  expect(keyPath({ arg: "inventoryNodeSpecs.inventory" }, ["hosts", 0, "address"])).toBe("inventoryNodeSpecs.inventory.hosts[0].address");
  expect(settingName({ arg: "K3sCluster.args" }, ["disable"])).toBe("`disable` in K3sCluster's args");
  expect(settingName({ arg: "ClusterAddons.args.clusterDisable" })).toBe("`clusterDisable` in ClusterAddons's args");
  expect(settingName({ arg: "K3sCluster.args.nodes" }, [2, "name"])).toBe("`nodes[2].name` in K3sCluster's args");
  expect(settingName({ arg: "localNodeSpecs.local" }, ["name"])).toBe("`name` in localNodeSpecs's `local` argument");
  expect(settingName({ arg: "inventoryNodeSpecs.secrets" })).toBe("inventoryNodeSpecs's `secrets` argument");
});
