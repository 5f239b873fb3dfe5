// The one list of keys the program reads under k3s-stacks: (components/plan/config-keys.ts); the
// whole program's refusals are in validation.test.ts and the bad-input table.
import { CONFIG_KEYS, mistypedNamespaceKeys, unknownConfigKeys } from "../../components/plan/config-keys";
import { problem } from "../support/config";

test("a key far from every known one lists the settings", () => {
  expect(unknownConfigKeys(["frobnicate", "cluster"])).toEqual([
    problem("k3s-stacks:frobnicate", "would be ignored", "pulumi config rm k3s-stacks:frobnicate'; the settings are k3s-stacks:cluster, k3s-stacks:inventory"),
  ]);
});

test("a near miss names the key it most likely meant", () => {
  expect(unknownConfigKeys(["inventroy", "sshPrivatekey", "registry"])).toEqual([
    problem("k3s-stacks:inventroy", "would be ignored", "rename it to k3s-stacks:inventory"),
    problem("k3s-stacks:sshPrivatekey", "would be ignored", "rename it to k3s-stacks:sshPrivateKey"),
    problem("k3s-stacks:registry", "would be ignored", "rename it to k3s-stacks:registries"),
  ]);
});

test("every secret and setting the program reads is a known key", () => {
  expect(unknownConfigKeys(CONFIG_KEYS)).toEqual([]);
});

test("a k3s-stacks setting under a mistyped namespace is named; provider namespaces are left alone", () => {
  expect(mistypedNamespaceKeys(["k3s-stack:cluster", "k3s:inventory", "k3s_stacks:addons", "aws:region", "hcloud:token", "kubernetes:cluster", "k3s-stack:region", "k3s-stacks:cluster"])).toEqual([
    problem("k3s-stack:cluster", "namespace 'k3s-stack'", "rename it to k3s-stacks:cluster"),
    problem("k3s:inventory", "namespace 'k3s'", "rename it to k3s-stacks:inventory"),
    problem("k3s_stacks:addons", "namespace 'k3s_stacks'", "rename it to k3s-stacks:addons"),
  ]);
});
