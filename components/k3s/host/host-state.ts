/** Where the state before the first host preparation is kept until the node is removed (host/undo.ts). */
export const PREP_RECORD_DIR = "/var/lib/k3s-stacks/host-before-prep";

/**
 * The firewall rules k3s-stacks added and still owns, one a line as the command that added them
 * (host/firewall-record.ts): closed when no longer needed, and by the undo (host/undo.ts).
 */
export const FIREWALL_OPENED = "/var/lib/k3s-stacks/firewall-opened";
