// The vendored k3s reference must stay the workspace's ../shared/reference, byte for byte.
import * as fs from "fs";
import * as path from "path";
import { REFERENCE_DIR } from "./support/reference";

const SHARED = path.resolve(__dirname, "../../../shared/reference");
const FILES = ["k3s-flags.json", "k3s-reference.md"];

test("the vendored reference files exist", () => {
  for (const f of FILES) expect(fs.statSync(path.join(REFERENCE_DIR, f)).size).toBeGreaterThan(1000);
});

// Only where the workspace's reference is next to the checkout (a clone elsewhere has just the copy).
(fs.existsSync(SHARED) ? test.each(FILES) : test.skip.each(FILES))("%s is identical to ../shared/reference", (f) => {
  expect(fs.readFileSync(path.join(REFERENCE_DIR, f), "utf8")).toBe(fs.readFileSync(path.join(SHARED, f), "utf8"));
});
