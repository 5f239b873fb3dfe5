import { PROJECT } from "../../rules/errors";

/** How `pulumi up` could log in to the VMs it creates. */
export interface CloudLogin {
  /** cloud.sshPublicKey: the user brought the key (none is generated). */
  sshPublicKey?: string;
  /** k3s-stacks:sshPrivateKey is set (as a secret). */
  hasPrivateKey: boolean;
  /** SSH_AUTH_SOCK of this run: the SSH agent the command provider falls back to without a key. */
  agentSocket?: string;
}

/**
 * The problem when `pulumi up` would have no private key for VMs created with the user's public key:
 * no k3s-stacks:sshPrivateKey and no SSH agent (the command provider uses SSH_AUTH_SOCK only without
 * a key), so every VM would be created and then every SSH step refused. Undefined when a key pair is
 * generated (its private half travels with it), a private key is set, or an agent runs. Whether the
 * agent holds the matching key is not known here.
 */
export function cloudLoginProblem(login: CloudLogin): string | undefined {
  if (!login.sshPublicKey || login.hasPrivateKey || login.agentSocket) return undefined;
  return `${PROJECT}:sshPrivateKey: is not set and no SSH agent runs (SSH_AUTH_SOCK is empty), but ${PROJECT}:cloud.sshPublicKey brings your own key, so every VM would be created and then refuse Pulumi's SSH. Fix: pulumi config set --secret ${PROJECT}:sshPrivateKey "$(cat ~/.ssh/id_ed25519)", or start ssh-agent and ssh-add the key before pulumi up, or remove sshPublicKey to have a key pair generated.`;
}
