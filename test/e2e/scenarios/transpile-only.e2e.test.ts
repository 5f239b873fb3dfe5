// `pulumi preview` with this repo's project settings (Pulumi.yaml runtime options, tsconfig.pulumi.json)
// and the real CLI: the program runs without a type check, and errors still point at TypeScript
// source lines (ts-node's source maps), which a user needs once type errors no longer stop the run.
import { CliProject } from "./cli-project";

const projects: CliProject[] = [];
afterAll(() => projects.forEach((p) => p.cleanup()));

/** Previews index.ts with this repo's project settings, or with those of Pulumi's template. */
async function preview(indexTs: string, settings: "repo" | "template" = "repo"): Promise<{ status: number | null; output: string }> {
  const p = settings === "repo" ? await CliProject.withProgram(indexTs) : await CliProject.template(indexTs);
  projects.push(p);
  p.initStack("dev");
  return p.run(["preview", "--non-interactive", "--color", "never"]);
}

const TYPE_ERROR_THEN_THROW = [
  'const port: number = "not a number"; // a type error: tsc reports it, pulumi no longer does',
  "export const answer = port;",
  "function fail(): never {",
  '  throw new Error("raised on purpose");',
  "}",
  "if (answer) fail();",
  "",
].join("\n");

test("a type error does not stop the run; a thrown error names the .ts file and line", async () => {
  const r = await preview(TYPE_ERROR_THEN_THROW);
  expect(r.status).not.toBe(0);
  expect(r.output).toContain("raised on purpose");
  // Line 4 of index.ts; the transpiled JavaScript would put it elsewhere.
  expect(r.output).toMatch(/index\.ts:4:\d+/);
  expect(r.output).not.toContain("TS2322");
});

test("with Pulumi's default settings the same program stops at the type error (the check above can see one)", async () => {
  const r = await preview(TYPE_ERROR_THEN_THROW, "template");
  expect(r.status).not.toBe(0);
  expect(r.output).toMatch(/index\.ts\(1,7\): error TS2322/);
  expect(r.output).not.toContain("raised on purpose");
});

test("the repo's settings transpile with swc (ts-node's swc option), not the TypeScript compiler", async () => {
  const r = await preview('const tsNode = (process as unknown as Record<symbol, { options: { swc?: boolean } }>)[Symbol.for("ts-node.register.instance")];\nexport const swc = String(tsNode?.options.swc);\n');
  expect(r.status).toBe(0);
  expect(r.output).toMatch(/swc\s*:\s*"true"/);
});

test("a program without errors previews", async () => {
  const r = await preview('import * as pulumi from "@pulumi/pulumi";\nexport const where = pulumi.getStack();\n');
  expect(r.output).toContain("where");
  expect(r.status).toBe(0);
});

test("a syntax error names the .ts file and line", async () => {
  const r = await preview("export const ok = 1;\nexport const broken = (;\n");
  expect(r.status).not.toBe(0);
  expect(r.output).toMatch(/index\.ts[(:]2/);
});
