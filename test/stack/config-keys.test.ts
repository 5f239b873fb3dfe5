// The one list of keys the program reads under k3s-stacks: (components/plan/config-keys.ts); the
// whole program's refusals are in validation.test.ts and the bad-input table.
import { CONFIG_KEYS, unknownConfigKeys } from "../../components/plan/config-keys";
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
