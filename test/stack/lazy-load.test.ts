// What a small stack loads at program start: every Pulumi provider SDK costs each `pulumi preview`
// hundreds of milliseconds to load, so clouds and layers a stack does not use are not loaded.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const REPO = path.resolve(__dirname, "../..");
const homelab = (parse(fs.readFileSync(path.join(REPO, "Pulumi.homelab.yaml"), "utf8")) as { config: Record<string, unknown> }).config;

/** npm packages loaded by evaluating the program with `config`, in a fresh node process. */
function loadedPackages(config: Record<string, unknown>): string[] {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "support/loaded-modules.ts"), JSON.stringify(config)], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`loaded-modules.ts failed (${r.status}):\n${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as string[];
}

const PROVIDERS = ["@pulumi/aws", "@pulumi/hcloud", "@pulumi/kubernetes", "@pulumi/tls"];

test("an inventory stack with no layers loads no cloud or Kubernetes provider SDK", () => {
  const loaded = loadedPackages(homelab);
  expect(loaded).toEqual(expect.arrayContaining(["@pulumi/pulumi", "@pulumi/command", "@pulumi/random"]));
  expect(PROVIDERS.filter((p) => loaded.includes(p))).toEqual([]);
  // The reachability probe needs an SSH client only to dial through a bastion.
  expect(loaded).not.toContain("ssh2");
}, 120_000);

test("a stack with addons loads @pulumi/kubernetes (the check above can see a loaded SDK)", () => {
  const loaded = loadedPackages({ ...homelab, "k3s-stacks:addons": { storage: { type: "local-path" } } });
  expect(loaded).toContain("@pulumi/kubernetes");
  expect(loaded).not.toContain("@pulumi/aws");
  expect(loaded).not.toContain("@pulumi/hcloud");
}, 120_000);
