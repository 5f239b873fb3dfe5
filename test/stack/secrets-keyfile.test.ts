// privateKeyPath: the key read from disk is as secret as one set with `pulumi config set --secret`.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SENTINEL, StackRun, leaks, marksInsideSecrets, runStack } from "./support/harness";

let run: StackRun;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-key-"));
  const keyFile = path.join(dir, "id_ed25519");
  fs.writeFileSync(keyFile, SENTINEL.privateKey, { mode: 0o600 });
  run = await runStack({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" },
    "k3s-stacks:inventory": {
      privateKeyPath: keyFile,
      hosts: [
        { name: "one", address: "192.168.5.1", role: "server", arch: "arm64" },
        { name: "two", address: "192.168.5.2", role: "agent", arch: "arm64" },
      ],
    },
  });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the key file's content and the token reach commands only inside secrets", () => {
  expect(leaks(run.state)).toEqual([]);
  expect([...marksInsideSecrets(run.state)].sort()).toEqual(["KEY-SENTINEL", "TOKEN-SENTINEL"]);
});
