// Child process for test/stack/lazy-load.test.ts: evaluates stacks/main.ts under mocks with the
// stack config given as JSON in argv[2] (a `config:` map) and prints, as JSON on the last line, the
// npm packages that were loaded. Runs outside jest, whose module registry bypasses require.cache.
import { SENTINEL, runStack } from "./harness";

async function run(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as Record<string, unknown>;
  await runStack(config, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  const packages = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) packages.add(m[1]);
  }
  process.stdout.write(`\n${JSON.stringify([...packages].sort())}\n`);
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
