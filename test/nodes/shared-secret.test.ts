// Nodes that share a credential Output share one secret Output of it (one SDK promise chain, not one
// per node: bench/cluster-eval.ts), and every credential stays secret however it was passed.
import * as pulumi from "@pulumi/pulumi";
import { parseNodes } from "../../components/nodes/spec";
import { installMocks, isSecret, valueOf } from "../support/mocks";
import { keyDir, sshKeygen } from "../support/ssh-keys";

const KEYS = keyDir();
beforeAll(() => installMocks());
afterAll(() => KEYS.remove());

const node = (name: string, privateKey: pulumi.Input<string>) => ({ name, role: "agent" as const, arch: "arm64" as const, connection: { host: `${name}.lan`, privateKey } });

test("one key Output on many nodes: one secret Output, with the key's value", async () => {
  const key = pulumi.output("KEY-SENTINEL");
  const [parsed] = parseNodes([{ nodes: [node("a1", key), node("a2", key)], root: { arg: "K3sCluster.args.nodes" } }]);
  expect(parsed[0].connection.privateKey).toBe(parsed[1].connection.privateKey);
  expect(await isSecret(parsed[0].connection.privateKey!)).toBe(true);
  expect(await valueOf(parsed[0].connection.privateKey!)).toBe("KEY-SENTINEL");
});

test("a key passed as a plain string is made secret on each node, and kept in no table", async () => {
  const pem = sshKeygen(KEYS.dir, "ed25519", "").text;
  const [parsed] = parseNodes([{ nodes: [node("a1", pem), node("a2", pem)], root: { arg: "K3sCluster.args.nodes" } }]);
  for (const n of parsed) {
    expect(await isSecret(n.connection.privateKey!)).toBe(true);
    expect(await valueOf(n.connection.privateKey!)).toBe(pem);
  }
  expect(parsed[0].connection.privateKey).not.toBe(parsed[1].connection.privateKey);
});
