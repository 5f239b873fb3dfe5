// Keys under k3s-stacks: that the program does not read are refused, and a stack without any config
// gets the "is missing" problems, however the language host encodes the empty config.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/rules/errors";
import { CONFIG_KEYS, unknownConfigKeys } from "../../components/plan/config-keys";
import { MockState, installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { problem } from "../support/config";
import { main } from "../../stacks/main";

const cluster = { k3sVersion: "v1.36.3+k3s1" };
const inventory = { hosts: [{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }] };

let state: MockState;
beforeEach(async () => {
  state = await installMocks();
});

async function mainProblems(): Promise<string[]> {
  let err: unknown;
  try {
    await main();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect(state.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
  return (err as ConfigError).problems;
}

test("a misspelt top-level key is refused, naming the key it most likely meant", async () => {
  setStackConfig({ "k3s-stacks:clustr": cluster, "k3s-stacks:inventory": inventory, "k3s-stacks:adons": {} });
  expect(await mainProblems()).toEqual([
    problem("k3s-stacks:clustr", "is not a setting k3s-stacks reads", "rename it to k3s-stacks:cluster"),
    problem("k3s-stacks:adons", "is not a setting k3s-stacks reads", "rename it to k3s-stacks:addons"),
    problem("k3s-stacks:cluster", "is missing", "k3s-stacks:cluster block"),
  ]);
});

test("a key far from every known one lists the settings", () => {
  expect(unknownConfigKeys(["frobnicate", "cluster"])).toEqual([
    problem("k3s-stacks:frobnicate", "would be ignored", "pulumi config rm k3s-stacks:frobnicate'; the settings are k3s-stacks:cluster, k3s-stacks:inventory"),
  ]);
});

test("every secret and setting the program reads is a known key", () => {
  expect(unknownConfigKeys(CONFIG_KEYS)).toEqual([]);
});

test("a stack without config gets what is missing and the fix, not a crash", async () => {
  setStackConfig({});
  expect(await mainProblems()).toEqual([
    problem("k3s-stacks:cluster", "is missing", "add a k3s-stacks:cluster block with at least k3sVersion"),
    problem("k3s-stacks:inventory", "is missing", "list your machines under k3s-stacks:inventory"),
  ]);
});

test("the same when the language host sends the empty config as JSON null", async () => {
  // What a host marshalling a nil map sends; the SDK's own reader throws a TypeError on it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { config: Record<string, string> } };
  getStore().config.PULUMI_CONFIG = "null";
  expect(() => pulumi.runtime.getConfig("k3s-stacks:cluster")).toThrow(TypeError);
  expect(await mainProblems()).toEqual([
    problem("k3s-stacks:cluster", "is missing", "add a k3s-stacks:cluster block with at least k3sVersion"),
    problem("k3s-stacks:inventory", "is missing", "list your machines under k3s-stacks:inventory"),
  ]);
});
