import { execFileSync } from "child_process";
import * as path from "path";

// The pipeline's layers (.dependency-cruiser.cjs): no module imports from a layer above its own.
test("no import goes from a lower layer to a higher one, and none is circular", () => {
  const root = path.join(__dirname, "..");
  const bin = path.join(root, "node_modules", ".bin", "depcruise");
  let out = "";
  let failed = false;
  try {
    out = execFileSync(bin, ["components", "stacks", "tools", "index.ts", "--output-type", "err"], { cwd: root, encoding: "utf8" });
  } catch (e) {
    failed = true;
    out = String((e as { stdout?: string }).stdout ?? e);
  }
  expect({ failed, out }).toEqual({ failed: false, out: expect.stringContaining("no dependency violations") });
});
