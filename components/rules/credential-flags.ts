import { ConfigRoot, isArgument, settingName } from "./key-path";

/**
 * k3s flags that are not k3s-stacks' own (rules/managed-flags.ts) but whose value is a credential:
 * `vpn-auth` carries the VPN's join key (`name=tailscale,joinKey=<auth key>[,controlServerURL=...]`,
 * k3s docs "Distributed hybrid or multicloud cluster", Tailscale integration), which lets any machine
 * join the tailnet. serverConfig and agentConfig are plain settings, so a value there would sit in
 * the stack file and the Pulumi state in clear text; k3s reads the same value from `vpn-auth-file`.
 */
const CREDENTIAL_FLAGS: Record<string, { holds: string; file: string }> = {
  "vpn-auth": { holds: "the VPN's join key (joinKey)", file: "vpn-auth-file" },
};

/**
 * Credential flags set in a serverConfig/agentConfig mapping, as "key: what is wrong. Fix: ..."
 * lines; `where(key)` names a key of the mapping, `root` words the fix for a stack file or for code.
 */
export function credentialFlagProblems(config: Record<string, unknown>, root: ConfigRoot, where: (key: string) => string): string[] {
  return Object.keys(config).flatMap((raw) => {
    const flag = CREDENTIAL_FLAGS[raw.replace(/\+$/, "")];
    if (!flag) return [];
    const fix = isArgument(root)
      ? `pass it in a contribution with secret: true (${settingName(root, ["contributions"])}), or write it to a node file marked secret (${settingName(root, ["files"])}) and set ${flag.file} to its path`
      : `write the same value into a root-only file on every node (e.g. /etc/rancher/k3s/vpn-auth, mode 0600) and set ${flag.file}: /etc/rancher/k3s/vpn-auth here instead`;
    return [`${where(raw)}: holds ${flag.holds} in clear text, so it would be stored unencrypted in ${isArgument(root) ? "the Pulumi state" : "the stack file and the Pulumi state"}. Fix: remove it; ${fix}.`];
  });
}
