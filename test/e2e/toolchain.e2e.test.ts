/** The e2e toolchain: an engine no older than the SDK, and a re-run with its own bin on PATH stays sane. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import { toolchainBin } from "./toolchain";

const BUILD_SH = path.join(__dirname, "toolchain", "build.sh");
const sdkVersion: string = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version;

describe("e2e toolchain", () => {
  const bin = toolchainBin();

  test("the bin dir has the layout PulumiCommand.get({ root }) expects: <root>/bin/pulumi", () => {
    expect(path.basename(bin)).toBe("bin");
    expect(fs.existsSync(path.join(path.dirname(bin), "bin", "pulumi"))).toBe(true);
  });

  test("the pulumi CLI is no older than @pulumi/pulumi", () => {
    const cli = execFileSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }).trim().replace(/^v/, "");
    expect(semver.valid(cli)).not.toBeNull();
    expect(semver.gte(cli, sdkVersion)).toBe(true);
  });

  test("run with its own bin directory first on PATH, every tool still resolves to a real file", () => {
    const out = execFileSync(BUILD_SH, [], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "ignore"],
    }).trim().split("\n").pop() as string;
    const tools = fs.readdirSync(out);
    expect(tools).toEqual(expect.arrayContaining(["pulumi", "pulumi-language-nodejs", "pulumi-resource-command", "pulumi-resource-random"]));
    for (const t of tools) {
      const real = fs.realpathSync(path.join(out, t));
      expect(path.dirname(real)).not.toBe(out);
      expect(fs.statSync(real).isFile()).toBe(true);
    }
  });

  // The shared PATH file names the last checkout built: with another checkout's link directory first on
  // PATH, this one linked to that one's links, which it replaces while it rebuilds (two such: ELOOP).
  test("another checkout's link directory first on PATH is passed over: every link points at a tool itself", () => {
    const other = fs.mkdtempSync(path.join(path.dirname(path.dirname(bin)), "checkout-"));
    const otherBin = path.join(other, "bin");
    const renamed = `${path.dirname(otherBin)}-000000000000`;
    try {
      fs.mkdirSync(otherBin);
      for (const t of fs.readdirSync(bin)) fs.symlinkSync(path.join(bin, t), path.join(otherBin, t));
      fs.renameSync(other, renamed);
      const out = execFileSync(BUILD_SH, [], { encoding: "utf8", env: { ...process.env, PATH: `${renamed}/bin:${process.env.PATH ?? ""}` }, stdio: ["ignore", "pipe", "ignore"] })
        .trim().split("\n").pop() as string;
      for (const t of fs.readdirSync(out)) {
        const target = fs.readlinkSync(path.join(out, t));
        expect(target).toBe(fs.realpathSync(path.join(out, t)));
        expect(target).not.toContain(`${path.sep}checkout-`);
      }
    } finally {
      fs.rmSync(renamed, { recursive: true, force: true });
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  test("a PATH directory holding the CLI, language host and providers together (a Pulumi install's bin) is linked once per tool", () => {
    const install = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "pulumi-bin-"));
    const tools = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-command", "pulumi-resource-random"];
    try {
      for (const t of tools) fs.symlinkSync(fs.realpathSync(path.join(bin, t)), path.join(install, t));
      const out = execFileSync(BUILD_SH, [], { encoding: "utf8", env: { ...process.env, PATH: `${install}:${process.env.PATH ?? ""}` }, stdio: ["ignore", "pipe", "pipe"] })
        .trim().split("\n").pop() as string;
      expect(fs.readdirSync(out).sort()).toEqual(tools);
      // Each link points at the tool itself (the install's links resolved).
      for (const t of tools) expect(fs.readlinkSync(path.join(out, t))).toBe(fs.realpathSync(path.join(install, t)));
    } finally {
      // Put this checkout's links back on the toolchain's own tools before the directory goes.
      execFileSync(BUILD_SH, [], { stdio: "ignore" });
      fs.rmSync(install, { recursive: true, force: true });
    }
  });
});
