// `pulumi preview` of this repo's program with the real CLI and engine: a stack without config and a
// misspelt key end in the program's own "key: what is wrong. Fix: ..." lines, with no crash, no
// stack trace and no PromiseRejectionHandledWarning from a rejection Node saw as unhandled.
import { CliProject } from "./cli-project";

let project: CliProject;
beforeAll(async () => {
  project = await CliProject.repo();
});
afterAll(() => project?.cleanup());

function preview(stack: string, stackFile: string): { status: number | null; output: string } {
  project.initStack(stack, stackFile);
  return project.run(["preview", "--non-interactive", "--color", "never", "--stack", stack]);
}

function expectCleanFailure(r: { status: number | null; output: string }): void {
  expect(r.status).not.toBe(0);
  expect(r.output).not.toMatch(/PromiseRejectionHandledWarning|TypeError|unhandled exception|\bat .*\.ts:\d+/);
}

test("a stack without any config names the missing keys and the fix", () => {
  const r = preview("empty", "");
  expectCleanFailure(r);
  expect(r.output).toMatch(/k3s-stacks:cluster: is missing\. Fix: add a k3s-stacks:cluster block/);
  expect(r.output).toMatch(/k3s-stacks:inventory: is missing\. Fix: /);
});

test("a misspelt top-level key is refused with the key it most likely meant", () => {
  const r = preview("typo", "config:\n  k3s-stacks:clustr:\n    k3sVersion: v1.36.3+k3s1\n");
  expectCleanFailure(r);
  expect(r.output).toMatch(/k3s-stacks:clustr: is not a setting k3s-stacks reads, so it would be ignored\. Fix: rename it to k3s-stacks:cluster/);
});

test("a problem found before the program awaits anything is reported once, without a late-handled rejection", () => {
  // Without the read of the previous outputs, main() rejects while Pulumi's cmd/run is still loading
  // the program: before index.ts exported a function, Node saw that rejection as unhandled.
  const r = preview("early", "config:\n  k3s-stacks:upgrade:\n    checkPreviousOutputs: false\n  k3s-stacks:cluster:\n    k3sVersion: stable\n  k3s-stacks:inventory:\n    hosts: []\n");
  expectCleanFailure(r);
  expect(r.output).toMatch(/k3s-stacks:cluster\.k3sVersion: is not a k3s release tag\. Fix: /);
  expect(r.output.match(/Invalid stack configuration/g)?.length).toBeLessThanOrEqual(2);
});
