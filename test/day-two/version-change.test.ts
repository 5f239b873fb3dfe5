// Changing only k3sVersion must touch only the rollout path: prep, token, config, member and the
// kubeconfig read keep identical inputs, so the engine runs nothing there; the install step's
// input changes but its update only installs when k3s is missing (tested in test/k3s/scripts-shell).
import { SENTINEL, StackRun, runStack, unwrap } from "../stack/support/harness";

const hosts = [
  { name: "s1", address: "10.1.0.1", role: "server", arch: "arm64" },
  { name: "s2", address: "10.1.0.2", role: "server", arch: "arm64" },
  { name: "s3", address: "10.1.0.3", role: "server", arch: "arm64" },
  { name: "a1", address: "10.1.0.4", role: "agent", arch: "armhf" },
];

function config(version: string): Record<string, unknown> {
  return {
    "k3s-stacks:cluster": { k3sVersion: version, datastore: "etcd" },
    "k3s-stacks:inventory": { hosts },
    "k3s-stacks:upgrade": { checkPreviousOutputs: false },
  };
}

/** Inputs of every remote command by name, secrets unwrapped. */
function commandInputs(run: StackRun): Record<string, string> {
  return Object.fromEntries(
    run.state.byType("command:remote:Command").map((r) => [r.name, JSON.stringify(unwrap(r.inputs))]),
  );
}

let before: Record<string, string>;
let after: Record<string, string>;

beforeAll(async () => {
  before = commandInputs(await runStack(config("v1.36.3+k3s1"), { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey }));
  after = commandInputs(await runStack(config("v1.36.4+k3s1"), { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey }));
});

test("the same commands exist before and after the bump", () => {
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
});

test("only install, the rollout steps (pre-upgrade snapshot, cordon, restart, uncordon) and the kubeconfig read change", () => {
  const changed = Object.keys(before).filter((name) => before[name] !== after[name]).sort();
  const kinds = new Set(changed.map((n) => n.replace(/^k3s-(s\d|a\d)-/, "").replace(/^k3s-/, "")));
  expect([...kinds].sort()).toEqual(["cordon", "install", "kubeconfig", "pre-upgrade", "restart", "uncordon"]);
  for (const node of ["s1", "s2", "s3", "a1"]) {
    for (const step of ["prep", "token", "config", "member"]) expect(after[`k3s-${node}-${step}`]).toBe(before[`k3s-${node}-${step}`]);
  }
  // Read again after the first server's upgrade: k3s rewrites k3s.yaml as it starts.
  expect(after["k3s-kubeconfig"]).not.toBe(before["k3s-kubeconfig"]);
});

test("the install step's update phase reinstalls only when k3s is missing", () => {
  const stdin = (JSON.parse(after["k3s-a1-install"]) as { stdin: string }).stdin;
  const update = stdin.slice(stdin.indexOf("  update)"), stdin.indexOf("  delete)"));
  expect(update).toMatch(/\n\s*if \[ -z "\$\(installed_version\)" \]; then\n(.*\n)*?\s*run_install\n\s*fi\n/);
  expect(update.match(/run_install\n/g)).toHaveLength(1);
  expect(update).toContain("INSTALL_K3S_VERSION='v1.36.4+k3s1'");
});
