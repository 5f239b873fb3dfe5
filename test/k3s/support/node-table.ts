import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { READ_NODE_TABLE } from "../../../components/k3s/node-table";

/** A Node as the stand-in API lists it. */
export interface TableNode { name: string; version?: string; server?: boolean; machine?: string; ips?: string }

/**
 * Runs `check` after READ_NODE_TABLE under `set -euo pipefail`, with a stand-in `k3s` (not real k3s)
 * that answers only that exact `kubectl get nodes -o jsonpath=…` call, from `nodes` (undefined: the API
 * does not answer), and fails on any other call. Prints "passed" when the check returns.
 */
export function runWithNodeTable(check: string, nodes: TableNode[] | undefined) {
  const jsonpath = /-o (jsonpath='[^']*')/.exec(READ_NODE_TABLE)?.[1];
  if (!jsonpath) throw new Error("READ_NODE_TABLE has no -o jsonpath='…'");
  const lines = (nodes ?? []).map((n) => `${n.name} v=${n.version ?? ""} cp=${n.server ? "true" : ""} m=${n.machine ?? ""} ${n.ips ?? ""}`.trimEnd());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-fake-"));
  fs.writeFileSync(path.join(dir, "k3s"), `#!/usr/bin/env bash
${nodes === undefined ? "echo 'The connection to the server was refused' >&2; exit 1" : ""}
if [ "$*" = ${JSON.stringify("kubectl get nodes -o ")}${jsonpath} ]; then
  printf '%s\\n' ${lines.map((l) => `'${l}'`).join(" ")}
  exit 0
fi
echo "stand-in: unexpected $*" >&2
exit 2
`, { mode: 0o755 });
  const res = spawnSync("bash", ["-s"], { input: `set -euo pipefail\n${READ_NODE_TABLE}\n${check}\necho passed\n`, env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir }, encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
