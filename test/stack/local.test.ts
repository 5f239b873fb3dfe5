// The local stack (Pulumi.local.yaml): this machine as the one k3s server, its scripts run by
// command.local.Command through the same wrapper and scripts as an SSH node, with a clean environment.
import * as os from "os";
import { parse } from "yaml";
import { loadStackConfig } from "../support/stack";
import { isSecret, valueOf } from "../support/mocks";
import { SENTINEL, StackRun, arrivedSecret, commandInputs, leaks, renderedConfigs, runStack } from "./support/harness";

let run: StackRun;
const machineUser = os.userInfo().username;

beforeAll(async () => {
  const config = loadStackConfig("Pulumi.local.yaml");
  // A fixed node name: the default (this machine's host name) is covered in test/nodes/local.test.ts.
  run = await runStack({ ...config, "k3s-stacks:local": { name: "laptop", labels: { "example.com/try": "yes" } } }, { "k3s-stacks:sudoPassword": SENTINEL.sudoPassword });
});

test("every step is a local.Command; nothing dials SSH", () => {
  const types = new Set(run.state.resources.map((r) => r.type));
  expect(run.state.byType("command:local:Command").map((r) => r.name).sort()).toEqual(
    ["k3s-kubeconfig", "k3s-laptop-config", "k3s-laptop-install", "k3s-laptop-member", "k3s-laptop-cordon", "k3s-laptop-restart", "k3s-laptop-uncordon"].sort(),
  );
  expect(types.has("command:remote:Command")).toBe(false);
  for (const r of run.state.byType("command:local:Command")) expect(r.inputs).not.toHaveProperty("connection");
});

test("the scripts run through the privilege wrapper from an empty environment", () => {
  const inputs = commandInputs(run.state, "k3s-laptop-install");
  const sudo = machineUser === "root" ? "" : "sudo -S -p '' ";
  expect(inputs.create?.startsWith(`env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root ${sudo}`)).toBe(true);
  expect(inputs.create).toMatch(/ create$/);
  expect(inputs.delete).toMatch(/ delete$/);
  expect(inputs.stdin).toContain("install k3s v1.36.3+k3s1 (server) on laptop");
});

test("the one server is a plain sqlite server named as configured, with its labels", () => {
  const c = renderedConfigs(run.state).laptop.config;
  expect(c["node-name"]).toBe("laptop");
  expect(c["node-label"]).toEqual(["example.com/try=yes"]);
  expect(c).not.toHaveProperty("cluster-init");
  expect(c).not.toHaveProperty("server");
  expect(c).not.toHaveProperty("node-ip");
});

test("host preparation runs, but never reboots nor edits the boot command line", () => {
  const stdin = commandInputs(run.state, "k3s-laptop-config").stdin;
  expect(stdin).toContain("prepare laptop");
  expect(stdin).toContain("fix_cgroups=0");
  expect(stdin).toContain("allow_reboot=0");
});

test("the kubeconfig points at 127.0.0.1 under context k3s-test and stays secret", async () => {
  expect(await isSecret(run.outputs.kubeconfig as never)).toBe(true);
  const kc = parse(await valueOf(run.outputs.kubeconfig as never)) as { clusters: { cluster: { server: string } }[]; "current-context": string };
  expect(kc.clusters[0].cluster.server).toBe("https://127.0.0.1:6443");
  expect(kc["current-context"]).toBe("k3s-test");
});

test("secrets stay secret: the token's stdin, and the sudo password only for a non-root user", () => {
  expect(leaks(run.state)).toEqual([]);
  expect(arrivedSecret(run.state.byName("k3s-laptop-install").inputs.stdin)).toBe(true);
  const configStdin = commandInputs(run.state, "k3s-laptop-config").stdin;
  expect(configStdin.includes(SENTINEL.sudoPassword)).toBe(machineUser !== "root");
});
