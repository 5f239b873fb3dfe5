// scripts/up.sh on a machine with Go, no internet and no pulumi on PATH: it builds the pinned CLI
// from the Go module proxy (test/e2e/toolchain/build.sh; its cache is the toolchain's, so nothing is
// rebuilt here), installs it for the user, says so, and runs the program with it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toolchainBin } from "../toolchain";
import { REPO, pathWithoutPulumi, scratchProject } from "../../scripts/support/project";

const SDK_VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
/** A stack whose config the program refuses: proof that the program ran, without touching any machine. */
const STACK = "config:\n  k3s-stacks:cluster:\n    k3sVersion: v1.36.3+k3s1\n";

let tmp: string;
let upSh: string;
let langhostDir: string;
let cliVersion: string;

beforeAll(() => {
  // The toolchain's CLI (built from Go modules) and its language host; build.sh builds them once.
  const bin = toolchainBin();
  cliVersion = spawnSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }).stdout.trim().replace(/^v/, "");
  langhostDir = path.dirname(fs.realpathSync(path.join(bin, "pulumi-language-nodejs")));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-up-go-"));
  upSh = scratchProject(path.join(tmp, "project"), { sandbox: STACK });
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const home = () => path.join(tmp, "home");
const root = () => path.join(home(), ".local/share/k3s-stacks/pulumi");

function up(extraPath: string[]) {
  const r = spawnSync("bash", [upSh, "sandbox", "--yes", "--no-kubeconfig"], {
    encoding: "utf8",
    timeout: 900_000,
    env: {
      HOME: home(),
      PATH: pathWithoutPulumi(extraPath),
      // No internet here: the installer URL cannot answer (connection refused at once).
      K3S_STACKS_PULUMI_INSTALLER_URL: "http://127.0.0.1:1/install.sh",
      // Build cache: the toolchain's, so the CLI is not rebuilt (10 minutes) for this test.
      K3S_STACKS_CACHE: path.join(os.homedir(), ".cache/k3s-stacks"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("builds the pinned CLI from Go modules into ~/.local/share, says so, and runs the program with it", () => {
  expect(pathWithoutPulumi([langhostDir]).split(":").some((d) => fs.existsSync(path.join(d, "pulumi")))).toBe(false);
  const r = up([langhostDir]);
  expect(r.out).toContain("up.sh: http://127.0.0.1:1/install.sh is unreachable; building pulumi from Go modules with /usr/local/go/bin/go");
  expect(r.out).toContain(`up.sh: installed pulumi v${cliVersion} in ${root()}/bin (built from Go modules with /usr/local/go/bin/go).`);
  expect(r.out).toContain(`up.sh: using pulumi v${cliVersion} (${root()}/bin/pulumi)`);
  // The pinned version: the SDK's, or the first newer one the proxy serves; never older.
  const installed = spawnSync(path.join(root(), "bin/pulumi"), ["version"], { encoding: "utf8" }).stdout.trim();
  expect(installed).toBe(`v${cliVersion}`);
  expect(cliVersion.localeCompare(SDK_VERSION, undefined, { numeric: true })).toBeGreaterThanOrEqual(0);
  // That CLI made the stack and ran the program, which refused the config before touching anything.
  expect(fs.existsSync(path.join(home(), ".local/state/k3s-stacks/backend/.pulumi/stacks/k3s-stacks/sandbox.json"))).toBe(true);
  expect(r.out).toContain("k3s-stacks:inventory: is missing. Fix:");
  expect(r.status).not.toBe(0);
});

test("a second run builds nothing; without a Node.js language host it stops, naming it", () => {
  const again = up([langhostDir]);
  expect(again.out).not.toContain("building pulumi");
  expect(again.out).toContain(`up.sh: using pulumi v${cliVersion} (${root()}/bin/pulumi)`);
  const without = up([]);
  expect(without.status).toBe(2);
  expect(without.out).toContain("pulumi-language-nodejs (the Node.js language host) is neither next to");
  expect(without.out).toContain("Fix: install Pulumi's release (https://www.pulumi.com/docs/install/)");
});
