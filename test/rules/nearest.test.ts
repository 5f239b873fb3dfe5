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

test("two swapped neighbours are one edit", () => {
  expect(editDistance("lables", "labels")).toBe(1);
  expect(editDistance("adress", "address")).toBe(1);
  expect(nearest("lables", ["name", "labels", "taints"])).toBe("labels");
});

// Keys from k3s's config.yaml and from Ansible/k3sup inventories, in any of their spellings.
test.each([
  ["node-ip", "internalAddress"],
  ["node_ip", "internalAddress"],
  ["nodeIP", "internalAddress"],
  ["ansible_host", "address"],
  ["ip", "address"],
  ["hostname", "name"],
  ["ssh_key", "privateKeyPath"],
  ["tls-san", "tlsSans"],
  ["cluster-cidr", "clusterCidr"],
  ["extra_server_args", "serverConfig"],
])("%s is suggested as %s where that key exists", (alias, key) => {
  const known = ["name", "address", "internalAddress", "privateKeyPath", "tlsSans", "clusterCidr", "serverConfig"];
  expect(nearest(alias, known)).toBe(key);
  expect(nearest(alias, known.filter((k) => k !== key))).not.toBe(key);
});
