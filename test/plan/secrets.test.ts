import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/rules/errors";
import { ConfigReader, StackConfig } from "../../components/plan/secrets";
import { readStackConfig } from "../../stacks/read-config";
import { problem, problemsOf } from "../support/config";

const KEY = "k3s-stacks:datastoreEndpoint";
const URL = "postgres://k3s:pw@db:5432/k3s";

afterEach(() => pulumi.runtime.setAllConfig({}, []));

const reader = (values: Record<string, unknown>, secret: string[] = []): ConfigReader =>
  new ConfigReader({ values, secretKeys: new Set(secret), baseDir: "." } satisfies StackConfig);

test("an unset secret key is not set", () => {
  expect(reader({}).secret("datastoreEndpoint", "postgres://...")).toBe(false);
});

test("a value set in plain text is an error naming the key and `pulumi config set --secret`", () => {
  const problems = problemsOf(() => reader({ datastoreEndpoint: URL }).secret("datastoreEndpoint", "postgres://user:password@host:5432/k3s"));
  expect(problems).toEqual([problem(KEY, "is stored in plain text", `pulumi config set --secret ${KEY} postgres://user:password@host:5432/k3s`)]);
  // the message never repeats the value
  expect(problems.join("\n")).not.toContain("pw@");
});

test("a value set with --secret is read with its secret flag; other projects' keys are left out", () => {
  pulumi.runtime.setAllConfig({ [KEY]: URL, "hcloud:token": "x" }, [KEY]);
  const config = readStackConfig();
  expect(config.values).toEqual({ datastoreEndpoint: URL });
  expect([...config.secretKeys]).toEqual(["datastoreEndpoint"]);
  expect(new ConfigReader(config).secret("datastoreEndpoint", "x")).toBe(true);
  expect(new ConfigReader(config).raw("datastoreEndpoint")).toBe(URL);
  // Other namespaces are kept by name only, with whether each is secret (provider credentials must be).
  expect(config.otherKeys).toEqual(["hcloud:token"]);
  expect([...(config.otherSecretKeys ?? [])]).toEqual([]);
  pulumi.runtime.setAllConfig({ "hcloud:token": "x" }, ["hcloud:token"]);
  expect([...(readStackConfig().otherSecretKeys ?? [])]).toEqual(["hcloud:token"]);
});

test("a secret without a readable value (a fleet site's encrypted key) counts as set", () => {
  expect(reader({}, ["datastoreEndpoint"]).secret("datastoreEndpoint", "x")).toBe(true);
});

test("structured values come as JSON text or already parsed; a scalar where a mapping belongs is named", () => {
  expect(reader({ cluster: '{"k3sVersion":"v1"}' }).object("cluster")).toEqual({ k3sVersion: "v1" });
  expect(reader({ cluster: { k3sVersion: "v1" } }).object("cluster")).toEqual({ k3sVersion: "v1" });
  expect(problemsOf(() => reader({ cluster: "v1.36.3+k3s1" }).object("cluster"))).toEqual([problem("k3s-stacks:cluster", "is not a structured value", "YAML mapping")]);
});

test("ConfigError is a RunError, so Pulumi prints the message without a stack trace", () => {
  expect(pulumi.RunError.isInstance(new ConfigError(["x"]))).toBe(true);
});
