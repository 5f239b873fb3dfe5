// The real engine's order when a cloud node's VM is replaced (be78ac5): the node's k3s chain must be
// deleted (drain, quorum guard, uninstall, Node deleted) before the old VM goes, then created again on
// the new one. That order is Pulumi's delete-before-replace cascade (the engine replaces first every
// dependent whose diff, with the inputs that depend on the replaced resource unknown, is a replace),
// reached through machineTrigger and followTrigger; the lab has no cloud provider, so a local.Command
// plays the VM, and each step logs its create and delete.
import * as path from "path";
import { CliProject } from "./cli-project";

const REPLACE_CHAIN = path.resolve(__dirname, "..", "..", "..", "components", "day-two", "replace-chain");

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { followTrigger, machineTrigger } from ${JSON.stringify(REPLACE_CHAIN)};

const cfg = new pulumi.Config();
const log = cfg.require("log");
const logged = (name: string) => ({ create: \`echo create \${name} >> \${log}\`, delete: \`echo delete \${name} >> \${log}\` });
// The VM: replaced when "type" changes, the old one deleted first (hetzner-nodes.ts, aws-nodes.ts).
const vm = new command.local.Command("vm", { ...logged("vm"), triggers: [cfg.require("type")] }, { deleteBeforeReplace: true });
const machine = cfg.getBoolean("machine") ? vm.id : undefined;
// The node's chain as K3sNode wires it: leave is the root, each later step follows the one before and runs on the VM.
const leave = new command.local.Command("leave", { ...logged("leave"), triggers: [machineTrigger({ role: "server", arch: "amd64", machine })] });
const config = new command.local.Command("config", { ...logged("config"), triggers: [followTrigger(leave, "config")] }, { dependsOn: [leave, vm] });
new command.local.Command("install", { ...logged("install"), triggers: [followTrigger(config, "install")] }, { dependsOn: [config, vm] });
`;

let project: CliProject;
let log: string;
beforeAll(async () => {
  project = await CliProject.withProgram(PROGRAM);
  log = path.join(project.dir, "steps.log");
});
afterAll(() => project?.cleanup());

/** Sets config, runs `pulumi up`, and returns the steps it logged. */
function up(config: Record<string, string>, extra: string[] = []): string[] {
  for (const [k, v] of Object.entries({ log, ...config })) project.pulumi(["config", "set", k, v]);
  return project.upLogged(log, extra);
}

test("without the machine dependency the old VM goes first and the chain stays (the fault)", () => {
  project.initStack("without");
  // vm and leave do not depend on each other here: either may be created first.
  expect(up({ type: "cx22", machine: "false" }).sort()).toEqual(["create config", "create install", "create leave", "create vm"]);
  expect(up({ type: "cx32" })).toEqual(["delete vm", "create vm"]);
}, 180_000);

test("an existing stack records the dependency without a change, then a new VM replaces the chain around it", () => {
  project.initStack("with");
  up({ type: "cx22", machine: "false" });
  // The first up of the release: the trigger's value is unchanged, so nothing runs.
  expect(up({ machine: "true" }, ["--expect-no-changes"])).toEqual([]);
  expect(up({ type: "cx32" })).toEqual([
    "delete install", "delete config", "delete leave", "delete vm",
    "create vm", "create leave", "create config", "create install",
  ]);
  expect(up({}, ["--expect-no-changes"])).toEqual([]);
}, 240_000);
