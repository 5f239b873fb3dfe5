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

/**
 * Credentials a layer's contribution may carry, which the snapshots layer puts there from the
 * stack's secrets etcdS3AccessKey and etcdS3SecretKey (day-two/snapshots.ts), besides {@link CREDENTIAL_FLAGS}.
 */
const CONTRIBUTION_CREDENTIALS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(CREDENTIAL_FLAGS).map(([k, v]) => [k, v.holds])),
  "etcd-s3-access-key": "the S3 access key id",
  "etcd-s3-secret-key": "the S3 secret key",
};

/**
 * Credential keys in a contribution (K3sCluster's `contributions`) that is not marked `secret: true`:
 * K3sCluster then keeps config.yaml, its digest and the restart keys in plain text in the Pulumi
 * state. Values that are Outputs count too (whether one is secret is not known here). `where(key)`
 * names the key, `contribution` the contribution whose `secret` the fix sets.
 */
export function plainContributionCredentialProblems(keys: Record<string, unknown>, where: (key: string) => string, contribution: string): string[] {
  return Object.keys(keys).flatMap((raw) => {
    const holds = CONTRIBUTION_CREDENTIALS[raw.replace(/\+$/, "")];
    if (!holds) return [];
    return [`${where(raw)}: holds ${holds}, but ${contribution} is not marked secret, so config.yaml would be stored in clear text in the Pulumi state. Fix: set secret: true on ${contribution}.`];
  });
}
