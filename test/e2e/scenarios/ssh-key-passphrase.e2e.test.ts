/**
 * A passphrase-protected SSH key (what ssh-keygen's prompt writes) with the real engine and the command
 * provider stand-in, which reads keys with golang.org/x/crypto/ssh as pulumi-command does: without
 * k3s-stacks:sshPrivateKeyPassword the run stops before anything is created; with a wrong one too; with
 * the right one every node logs in, one of them through a bastion (the reachability probe's ssh2 login
 * and the provider's proxy), and the passphrase appears in no state or log.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLab, TestLab } from "../hosts";
import { InvHost, V1 } from "./fixture";
import { leakCheck } from "./leaks";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const PASSPHRASE = "lab-key-passphrase-81d";
const HOSTS: InvHost[] = [
  { name: "srv1", role: "server", arch: "amd64" },
  { name: "ag1", role: "agent", arch: "amd64" },
];

let lab: TestLab;
let e2e: E2eStack;
let tmp: string;
let encrypted: string;

/** Base64 lines of the encrypted key body, but its first (format, cipher and KDF names: not secret). */
const keyLines = () => encrypted.split("\n").filter((l) => l.length >= 20 && !l.startsWith("-----")).slice(1);
const expectNoLeaks = leakCheck(() => lab, () => e2e, "srv1", () => ({ keyLines: keyLines(), keyPassword: PASSPHRASE }));

/** The error of an operation that must fail, with the engine's output in its message. */
async function failure(op: Promise<unknown>): Promise<string> {
  const err = await op.then(() => undefined, (e: unknown) => e);
  expect(err).toBeDefined();
  return String((err as Error).message ?? err);
}

beforeAll(async () => {
  lab = startLab([{ name: "srv1" }, { name: "bastion" }, { name: "ag1", via: "bastion" }]);
  e2e = await E2eStack.create(lab);
  // The lab's key pair, its private half re-encrypted under a passphrase: the hosts accept it as before.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-e2e-key-"));
  const file = path.join(tmp, "id_ed25519");
  fs.copyFileSync(lab.privateKeyPath, file);
  execFileSync("ssh-keygen", ["-q", "-p", "-P", "", "-N", PASSPHRASE, "-f", file], { stdio: "ignore" });
  encrypted = fs.readFileSync(file, "utf8");
  await e2e.configure(HOSTS, V1);
  await e2e.setSecret("k3s-stacks:sshPrivateKey", encrypted);
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("without the passphrase, pulumi up stops before creating anything, naming the fix", async () => {
  const out = await failure(e2e.up("no passphrase"));
  expect(out).toMatch(/k3s-stacks:sshPrivateKey: the key is protected by a passphrase and k3s-stacks:sshPrivateKeyPassword is not set.*Fix: run 'pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>'/);
  expect(e2e.exportedState()).not.toContain("command:remote:Command");
  expect(lab.exec("srv1", "ls /usr/local/bin/k3s 2>/dev/null").stdout).toBe("");
});

test("a wrong passphrase is refused the same way", async () => {
  await e2e.setSecret("k3s-stacks:sshPrivateKeyPassword", "not-the-passphrase");
  const out = await failure(e2e.preview("wrong passphrase"));
  expect(out).toMatch(/k3s-stacks:sshPrivateKeyPassword: does not decrypt k3s-stacks:sshPrivateKey \(wrong passphrase\)/);
});

test("with the passphrase every node logs in, ag1 through the bastion, and the passphrase stays secret", async () => {
  await e2e.setSecret("k3s-stacks:sshPrivateKeyPassword", PASSPHRASE);
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").map((n) => [n.name, n.ready]).sort()).toEqual([["ag1", true], ["srv1", true]]);
  expectNoLeaks();
});
