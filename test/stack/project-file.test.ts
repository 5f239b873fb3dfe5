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

test("runtime.options.nodeargs are flags this node accepts", () => {
  const args = String(project.runtime.options.nodeargs).split(/\s+/).filter(Boolean);
  expect(args.length).toBeGreaterThan(0);
  const r = nodeAccepts(args);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  // The check can fail: a misspelt flag is refused.
  expect(nodeAccepts(["--max-semi-space-sise=64"]).status).not.toBe(0);
});
