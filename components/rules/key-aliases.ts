/**
 * Keys (and a few values) people carry over from elsewhere, mapped to the k3s-stacks name for the same thing:
 * k3s's own config.yaml / flag names (k3s docs "Configuration File": `cluster-cidr`, `tls-san`,
 * `node-ip`, ...), and the inventory words of k3s-ansible, k3sup and Ansible (`ansible_host`,
 * `ansible_user`, `ssh_key`, `extra_server_args`). Looked up with case, '-' and '_' ignored, so
 * `node_ip`, `nodeIP` and `node-ip` are one alias. Used only to suggest a key that exists where the
 * unknown one was written; nothing is renamed silently.
 */
const ALIASES: Record<string, string> = {
  // k3s config.yaml keys (flags) that k3s-stacks sets from its own keys
  clustercidr: "clusterCidr",
  podcidr: "clusterCidr",
  podsubnet: "clusterCidr",
  servicecidr: "serviceCidr",
  servicesubnet: "serviceCidr",
  clusterdomain: "clusterDomain",
  tlssan: "tlsSans",
  san: "tlsSans",
  sans: "tlsSans",
  flannelbackend: "flannelBackend",
  secretsencryption: "secretsEncryption",
  nodeip: "internalAddress",
  internalip: "internalAddress",
  privateip: "internalAddress",
  nodeexternalip: "externalAddress",
  externalip: "externalAddress",
  publicip: "externalAddress",
  flanneliface: "flannelIface",
  nodelabel: "labels",
  nodelabels: "labels",
  nodetaint: "taints",
  nodetaints: "taints",
  nodename: "name",
  hostname: "name",
  version: "k3sVersion",
  installk3sversion: "k3sVersion",
  server: "apiEndpoint",
  serverurl: "apiEndpoint",
  extraserverargs: "serverConfig",
  serverargs: "serverConfig",
  extraagentargs: "agentConfig",
  agentargs: "agentConfig",
  // SSH inventories (Ansible, k3sup)
  ip: "address",
  host: "address",
  ansiblehost: "address",
  ansibleuser: "user",
  sshuser: "user",
  username: "user",
  ansibleport: "port",
  sshport: "port",
  sshkey: "privateKeyPath",
  sshkeypath: "privateKeyPath",
  privatekey: "privateKeyPath",
  identityfile: "privateKeyPath",
  ansiblesshprivatekeyfile: "privateKeyPath",
  jumphost: "bastion",
  proxyjump: "bastion",
  // values of role and datastore in other tools' words (k3s-ansible's master/node groups, k3sup, k3s docs)
  master: "server",
  controlplane: "server",
  worker: "agent",
  node: "agent",
  embeddedetcd: "etcd",
  // upgrade.mode: the controller's usual abbreviation (rancher/system-upgrade-controller docs)
  suc: "system-upgrade-controller",
};

const fold = (key: string): string => key.toLowerCase().replace(/[-_]/g, "");

/** The key among `known` that `key` is another tool's name for, or undefined. */
export function aliasOf(key: string, known: readonly string[]): string | undefined {
  const target = ALIASES[fold(key)];
  return target !== undefined && known.includes(target) ? target : undefined;
}
