import * as fs from "fs";
import * as path from "path";
import { STACK_TRACES_ENV, limitStackTraces } from "../../stacks/stack-traces";

const saved = Error.stackTraceLimit;
afterEach(() => {
  Error.stackTraceLimit = saved;
});

test("stack traces are off by default, so the SDK's per-promise traces cost nothing", () => {
  Error.stackTraceLimit = 10;
  limitStackTraces({});
  expect(Error.stackTraceLimit).toBe(0);
  expect(new Error("x").stack).toBe("Error: x");
});

test(`${STACK_TRACES_ENV} keeps them`, () => {
  Error.stackTraceLimit = 10;
  limitStackTraces({ [STACK_TRACES_ENV]: "1" });
  expect(Error.stackTraceLimit).toBe(10);
});

test("the entry point applies it before evaluating the program", () => {
  const index = fs.readFileSync(path.join(__dirname, "../../index.ts"), "utf8");
  expect(index.indexOf("limitStackTraces(process.env);")).toBeGreaterThan(0);
  expect(index.indexOf("limitStackTraces(process.env);")).toBeLessThan(index.indexOf("main()"));
});
