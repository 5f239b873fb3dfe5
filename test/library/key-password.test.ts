// The library's node sources take an encrypted key's passphrase as they take the key: a secret, on
// every connection that uses the key (node and bastion); a passphrase with no key of the user's is refused.
import { ConfigError } from "../../components/rules/errors";
import { inventoryNodeSpecs, cloudNodeSpecs } from "../../components/nodes/sources";
import { parseNodes } from "../../components/nodes/spec";
import { isSecret, valueOf } from "../support/mocks";
import { keyDir, sshKeygen } from "../support/ssh-keys";

const PASS = "library-pass-42";
const hosts = [
  { name: "cp-1", address: "10.9.0.1", role: "server" as const, arch: "arm64" as const },
  { name: "w-1", address: "10.9.0.2", role: "agent" as const, arch: "arm64" as const, bastion: "cp-1" },
];
const KEYS = keyDir();
afterAll(() => KEYS.remove());

test("inventoryNodeSpecs: the key file's passphrase goes with the key to the node and its bastion", async () => {
  const key = sshKeygen(KEYS.dir, "ed25519", PASS);
  const { nodes } = inventoryNodeSpecs({ privateKeyPath: key.file, hosts }, { privateKeyPassword: PASS });
  expect(nodes.map((n) => [n.connection.privateKeyPassword, n.connection.bastion?.privateKeyPassword])).toEqual([[PASS, undefined], [PASS, PASS]]);
  // K3sCluster's node rules keep it secret whatever the caller passed.
  const [[parsed]] = parseNodes([{ nodes: [nodes[1]], root: { arg: "K3sCluster.args.nodes" } }]);
  for (const password of [parsed.connection.privateKeyPassword, parsed.connection.bastion?.privateKeyPassword]) {
    expect(await isSecret(password!)).toBe(true);
    expect(await valueOf(password!)).toBe(PASS);
  }
});

test("inventoryNodeSpecs: a passphrase with no key (the SSH agent) is refused, naming the argument", () => {
  expect(() => inventoryNodeSpecs({ hosts }, { privateKeyPassword: PASS })).toThrow(ConfigError);
  expect(() => inventoryNodeSpecs({ hosts }, { privateKeyPassword: PASS })).toThrow(/\n  - inventoryNodeSpecs\.secrets\.privateKeyPassword: is set, but neither/);
});

test("cloudNodeSpecs: a passphrase with the generated key pair is refused before any VM", async () => {
  const cloud = { provider: "hetzner" as const, hetzner: { location: "nbg1" }, adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools: [{ name: "cp", role: "server" as const, count: 1, type: "cx23" }] };
  await expect(cloudNodeSpecs("lab", { cloud, sshPrivateKeyPassword: PASS })).rejects.toThrow(/\n  - cloudNodeSpecs\.args\.sshPrivateKeyPassword: is set, but cloud\.sshPublicKey is not set/);
});
