// `pulumi preview --stack homelab` (4 nodes, no layers) against the preview of a trivial Pulumi
// TypeScript program (one RandomPassword, one remote.Command, Pulumi's template tsconfig), both with
// the real CLI from the e2e toolchain, measured in one run, alternating so both see the same load.
// Also printed for context: the trivial program again with PULUMI_NODEJS_TRANSPILE_ONLY=true (the
// floor for any TypeScript program: the SDK, ts-node and two provider plugins).
// Goal (issue 16): homelab preview <= 1.3x the trivial program's preview.
// Run: npx ts-node --transpile-only bench/preview.ts [runs=5]
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliProject } from "../test/e2e/scenarios/cli-project";
import { spread } from "./stats";

const runs = Number(process.argv[2] ?? 5);
const REPO = path.resolve(__dirname, "..");

async function main(): Promise<void> {
  const homelab = await CliProject.repo();
  const trivial = await CliProject.trivial({ host: "192.0.2.10" });
  try {
    // The key is never used by a preview; a secret config value stands in for ~/.ssh/id_ed25519, PEM-shaped
    // since the program refuses key text without a PEM block.
    homelab.initStack("homelab", fs.readFileSync(path.join(REPO, "Pulumi.homelab.yaml"), "utf8"), { "k3s-stacks:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nbench-not-a-key\n-----END OPENSSH PRIVATE KEY-----\n" });
    trivial.initStack("dev", "config: {}\n", { "trivial:privateKey": "bench-not-a-key" });
    const preview = (p: CliProject, env: Record<string, string> = {}) => p.pulumi(["preview", "--non-interactive", "--color", "never"], env).seconds;
    // Warm-up: first runs fill the OS page cache and the CLI's plugin lookups.
    preview(homelab);
    preview(trivial);
    const t = { homelab: [] as number[], trivial: [] as number[], trivialTranspileOnly: [] as number[], ratios: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const h = preview(homelab);
      const tr = preview(trivial);
      t.homelab.push(h);
      t.trivial.push(tr);
      t.ratios.push(h / tr);
      t.trivialTranspileOnly.push(preview(trivial, { PULUMI_NODEJS_TRANSPILE_ONLY: "true" }));
    }
    const h = spread(t.homelab);
    const tr = spread(t.trivial);
    const r = spread(t.ratios);
    console.log(`pulumi preview, real CLI (${homelab.pulumi(["version"]).output.trim()}), ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end`);
    console.log(`  homelab (4 nodes, no layers):                 ${h.text}`);
    console.log(`  trivial program (RandomPassword + Command):   ${tr.text}`);
    console.log(`  ratio homelab / trivial: ${(h.median / tr.median).toFixed(2)}x of medians; per pair ${r.text.replace(/ s/g, "")} (goal <= 1.3x)`);
    const floor = spread(t.trivialTranspileOnly);
    console.log(`  for context: trivial transpile-only (PULUMI_NODEJS_TRANSPILE_ONLY=true): ${floor.text}; homelab / that = ${(h.median / floor.median).toFixed(2)}x`);
  } finally {
    homelab.cleanup();
    trivial.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
