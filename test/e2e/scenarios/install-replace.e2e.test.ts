// The real engine's order when one step of a node's chain is replaced on the command line. `pulumi up
// --replace <install step>` alone runs the install step's delete (the uninstall) and create, and
// nothing else: the membership step, whose delete drains the node, only dependsOn the install step
// and names the leave step in replaceWith, so the engine neither deletes nor creates it again. That
// is why the install step's delete refuses a node nothing drained (install-delete-guard.ts). Replacing
// the leave step is the supported command: drain first, then uninstall, delete the Node, and back.
// The lab has no k3s here: local.Commands wired as K3sNode wires a node's steps log their create and delete.
import * as path from "path";
import { CliProject } from "./cli-project";

const REPLACE_CHAIN = path.resolve(__dirname, "..", "..", "..", "components", "day-two", "replace-chain");

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { followTrigger } from ${JSON.stringify(REPLACE_CHAIN)};

const log = new pulumi.Config().require("log");
const logged = (name: string) => ({ create: \`echo create \${name} >> \${log}\`, delete: \`echo delete \${name} >> \${log}\` });
// An agent's steps with K3sNode's options (k3s-node.ts): leave is the root; config and install follow it
// through their triggers; restart waits for install; member waits for both and is replaced with leave.
const leave = new command.local.Command("leave", { ...logged("leave"), triggers: ["agent/amd64"] }, { deleteBeforeReplace: true });
const config = new command.local.Command("config", { ...logged("config"), triggers: [followTrigger(leave, "agent/amd64")] }, { deleteBeforeReplace: true });
const install = new command.local.Command("install", { ...logged("install"), triggers: [followTrigger(leave, "agent")] }, { deleteBeforeReplace: true, dependsOn: [config, leave] });
const restart = new command.local.Command("restart", { update: \`echo update restart >> \${log}\` }, { dependsOn: [config, install] });
new command.local.Command("member", logged("member"), { deleteBeforeReplace: true, replaceWith: [leave], dependsOn: [install, restart] });
`;

let project: CliProject;
beforeAll(async () => (project = await CliProject.withProgram(PROGRAM)));
afterAll(() => project?.cleanup());
const log = () => path.join(project.dir, "steps.log");
const up = (extra: string[] = []) => project.upLogged(log(), extra);
const urn = (name: string): string => {
  const urns = (JSON.parse(project.pulumi(["stack", "export"]).output).deployment.resources as Array<{ urn: string }>).map((r) => r.urn);
  return urns.find((u) => u.endsWith(`::${name}`))!;
};

test("replacing the install step alone runs its uninstall and install, without the drain (the member step's delete) or the Ready wait after it", () => {
  project.initStack("replace");
  project.pulumi(["config", "set", "log", log()]);
  expect(up().sort()).toEqual(["create config", "create install", "create leave", "create member"]);
  expect(up(["--replace", urn("install")])).toEqual(["delete install", "create install"]);
  expect(up(["--target", urn("install"), "--replace", urn("install")])).toEqual(["delete install", "create install"]);
}, 240_000);

test("replacing the leave step drains first (member delete), then uninstalls, deletes the Node, and creates the chain again", () => {
  const steps = up(["--replace", urn("leave")]);
  expect(steps.slice(0, 4)).toEqual(["delete member", "delete install", "delete config", "delete leave"]);
  expect(steps.slice(4)).toEqual(["create leave", "create config", "create install", "create member"]);
  expect(up(["--expect-no-changes"])).toEqual([]);
}, 240_000);
