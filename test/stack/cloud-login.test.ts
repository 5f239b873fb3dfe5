// A cloud stack that brings its own public key needs a way to log in before any VM is created:
// k3s-stacks:sshPrivateKey or an SSH agent. Without either, `pulumi up` stops before registering anything.
import { MockState, installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { refusedProblems } from "./support/harness";
import { cloudStack } from "./bad-input-cases";
import { main } from "../../stacks/main";
import { installCloudMocks, settle } from "../cloud/cloud-mocks";
import { cloudLoginProblem } from "../../components/nodes/cloud/ssh-login";

const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ana@laptop";
const config = cloudStack({ cloud: { sshPublicKey: PUBLIC_KEY } });

let state: MockState;
const agent = process.env.SSH_AUTH_SOCK;
afterEach(() => {
  if (agent === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = agent;
});

test("no private key and no SSH agent: refused before any VM, naming both ways in", async () => {
  state = await installMocks();
  delete process.env.SSH_AUTH_SOCK;
  expect(await refusedProblems(state, config)).toEqual([
    expect.stringMatching(/^k3s-stacks:sshPrivateKey: is not set and no SSH agent runs .*Fix: pulumi config set --secret k3s-stacks:sshPrivateKey .*ssh-add/),
  ]);
});

test.each([
  ["an SSH agent", { agent: "/tmp/agent.sock", secrets: {} }],
  ["k3s-stacks:sshPrivateKey", { agent: undefined, secrets: { "k3s-stacks:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n" } }],
])("with %s the VMs are created", async (_, { agent: socket, secrets }) => {
  const seen = await installCloudMocks();
  if (socket) process.env.SSH_AUTH_SOCK = socket;
  else delete process.env.SSH_AUTH_SOCK;
  setStackConfig(config, secrets);
  await main();
  await settle();
  expect(seen.filter((r) => r.type === "hcloud:index/server:Server")).toHaveLength(3);
});

test("a generated key pair needs neither; an agent is enough", () => {
  expect(cloudLoginProblem({ hasPrivateKey: false })).toBeUndefined();
  expect(cloudLoginProblem({ sshPublicKey: PUBLIC_KEY, hasPrivateKey: false, agentSocket: "/run/user/1000/ssh-agent.socket" })).toBeUndefined();
});
