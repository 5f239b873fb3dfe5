import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/rules/errors";
import { rawConfig, secretConfig } from "../../components/plan/secrets";
import { problem, problemsOf } from "../support/config";

const KEY = "k3s-stacks:datastoreEndpoint";
const URL = "postgres://k3s:pw@db:5432/k3s";

afterEach(() => pulumi.runtime.setAllConfig({}, []));

test("an unset secret key is undefined", () => {
  pulumi.runtime.setAllConfig({}, []);
  expect(secretConfig("datastoreEndpoint", "postgres://...")).toBeUndefined();
});

test("a value set in plain text is an error naming the key and `pulumi config set --secret`", () => {
  pulumi.runtime.setAllConfig({ [KEY]: URL }, []);
  const problems = problemsOf(() => secretConfig("datastoreEndpoint", "postgres://user:password@host:5432/k3s"));
  expect(problems).toEqual([problem(KEY, "is stored in plain text", `pulumi config set --secret ${KEY} postgres://user:password@host:5432/k3s`)]);
  // the message never repeats the value
  expect(problems.join("\n")).not.toContain("pw@");
});

test("a value set with --secret comes back as a secret Output", async () => {
  pulumi.runtime.setAllConfig({ [KEY]: URL }, [KEY]);
  const out = secretConfig("datastoreEndpoint", "x");
  expect(out).toBeDefined();
  expect(await pulumi.isSecret(out!)).toBe(true);
  expect(rawConfig("datastoreEndpoint")).toBe(URL);
});

test("ConfigError is a RunError, so Pulumi prints the message without a stack trace", () => {
  expect(pulumi.RunError.isInstance(new ConfigError(["x"]))).toBe(true);
});
