import { editDistance, nearest } from "../../components/rules/nearest";

test("edit distance counts insertions, deletions and substitutions", () => {
  expect(editDistance("clustr", "cluster")).toBe(1);
  expect(editDistance("adons", "addons")).toBe(1);
  expect(editDistance("kitten", "sitting")).toBe(3);
  expect(editDistance("", "abc")).toBe(3);
});

test("the nearest known key, or none when nothing is close", () => {
  const known = ["cluster", "inventory", "addons", "registries", "registryPasswords"];
  expect(nearest("clustr", known)).toBe("cluster");
  expect(nearest("Inventory", known)).toBe("inventory");
  expect(nearest("registry", known)).toBe("registries");
  expect(nearest("frobnicate", known)).toBeUndefined();
});
