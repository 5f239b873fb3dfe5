import * as fs from "fs";
import * as path from "path";
import { renderInstallScript } from "../../../components/k3s/scripts";
import { Sandbox } from "./shell";

/**
 * The install script of node w-1 in `role` run against `sb`: its staged install.sh is a fake in the
 * sandbox that only logs its call, and /etc/rancher/k3s (config, token) is the sandbox directory.
 */
export function stagedInstall(sb: Sandbox, role: "server" | "agent", token: string): string {
  const script = path.join(sb.dir, "install.sh");
  fs.writeFileSync(script, `echo "install.sh $INSTALL_K3S_EXEC" >> "$CALLS"\n`);
  return renderInstallScript({ node: "w-1", role, version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: script }, token)
    .replace(/\/etc\/rancher\/k3s/g, sb.dir);
}
