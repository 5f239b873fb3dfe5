import * as pulumi from "@pulumi/pulumi";

/** SSH endpoint fields shared by a node and its bastion. */
export interface SshEndpoint {
  /** Address or DNS name SSH connects to. */
  host: pulumi.Input<string>;
  /** SSH port; 22 when omitted. */
  port?: number;
  /** Login user; `root` when omitted. A non-root user runs every script through sudo. */
  user?: string;
  /** PEM private key (secret). When absent the SSH agent (`SSH_AUTH_SOCK`) is used. */
  privateKey?: pulumi.Input<string>;
  /**
   * Passphrase of `privateKey` (secret), only for an encrypted key: the command provider refuses a
   * passphrase with a key that has none (golang.org/x/crypto/ssh ParsePrivateKeyWithPassphrase).
   */
  privateKeyPassword?: pulumi.Input<string>;
}

/** How we reach a node over SSH. */
export interface SshConnection extends SshEndpoint {
  /** Jump host; the node is dialled through it. */
  bastion?: SshEndpoint;
  /** Password for `sudo` when the user is not root and sudo asks for one (secret). */
  sudoPassword?: pulumi.Input<string>;
  /**
   * The node is the machine running Pulumi: scripts run there directly (no SSH), as `user`;
   * `host` is then only the address the kubeconfig uses (127.0.0.1).
   */
  local?: boolean;
}
