// Pulumi.yaml's node arguments reach every `pulumi up`: a flag node rejects would break them all.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const project = parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8")) as {
  runtime: { name: string; options: Record<string, unknown> };
  main: string;
};

const nodeAccepts = (args: string[]) => spawnSync(process.execPath, [...args, "-e", "0"], { encoding: "utf8" });

test("a TypeScript program run by the Node.js language host from index.ts", () => {
  expect(project.runtime.name).toBe("nodejs");
  expect(project.runtime.options.typescript).toBe(true);
  expect(project.main).toBe("index.ts");
});

const tsconfig = (file: string) => parse(fs.readFileSync(path.join(__dirname, "../..", file), "utf8")) as { extends?: string; compilerOptions: Record<string, unknown> };

// @pulumi/pulumi cmd/run (run.js) sets ts-node's transpileOnly from the `noCheck` compiler option of
// the tsconfig named by runtime.options.tsconfig, reading only that file's own compilerOptions (no
// `extends`), and lays them over its defaults (target ES2020, module nodenext).
test("pulumi runs the program transpile-only, compiled like tsc and jest compile it", () => {
  expect(project.runtime.options.tsconfig).toBe("tsconfig.pulumi.json");
  const pulumiTs = tsconfig("tsconfig.pulumi.json");
  const base = tsconfig("tsconfig.json");
  expect(pulumiTs.extends).toBe("./tsconfig.json");
  expect(pulumiTs.compilerOptions.noCheck).toBe(true);
  for (const key of ["target", "module", "moduleResolution"]) expect([key, pulumiTs.compilerOptions[key]]).toEqual([key, base.compilerOptions[key]]);
  // The type check lives in tsc: the project's own tsconfig must keep checking.
  expect(base.compilerOptions.noCheck).toBeUndefined();
});

test("runtime.options.nodeargs are flags this node accepts", () => {
  const args = String(project.runtime.options.nodeargs).split(/\s+/).filter(Boolean);
  expect(args.length).toBeGreaterThan(0);
  const r = nodeAccepts(args);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  // The check can fail: a misspelt flag is refused.
  expect(nodeAccepts(["--max-semi-space-sise=64"]).status).not.toBe(0);
});
