import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { SshConnection, SshEndpoint } from "./types";
import { packScript } from "./packed-script";

/** Dial settings: fail in about a minute with the host named, rather than hang (pulumi-command #199). */
const DIAL_ERROR_LIMIT = 6;
const PER_DIAL_TIMEOUT = 10;

/** How long to keep dialling before giving up. */
export interface DialLimits {
  dialErrorLimit: number;
  perDialTimeout: number;
}

function endpointArgs(e: SshEndpoint, dial: DialLimits) {
  return {
    host: e.host,
    port: e.port ?? 22,
    user: e.user ?? "root",
    privateKey: e.privateKey,
    ...(e.privateKeyPassword !== undefined ? { privateKeyPassword: e.privateKeyPassword } : {}),
    ...dial,
  };
}

/** @pulumi/command connection for a node, dialled through its bastion when it has one. */
export function connectionArgs(
  c: SshConnection,
  dial: DialLimits = { dialErrorLimit: DIAL_ERROR_LIMIT, perDialTimeout: PER_DIAL_TIMEOUT },
): command.types.input.remote.ConnectionArgs {
  if (c.local) throw new Error("k3s-stacks: a local node has no SSH connection; run its scripts with remoteScript");
  return {
    ...endpointArgs(c, dial),
    ...(c.bastion ? { proxy: endpointArgs(c.bastion, dial) } : {}),
  };
}

/** How a script gets root on the node. */
export type Privilege = "root" | "sudo" | "sudo-password";

export function privilegeOf(c: SshConnection): Privilege {
  if ((c.user ?? "root") === "root") return "root";
  return c.sudoPassword === undefined ? "sudo" : "sudo-password";
}

/** Marks the end of the sudo password on stdin; lines up to it are discarded by the wrapper. */
export const STDIN_MARK = "__K3S_STACKS_SCRIPT__";

/**
 * The fixed command line that runs the script arriving on stdin as root, with `phase` as $1.
 * With a sudo password, stdin starts with the password line: sudo -S reads it (one byte at a time)
 * when it needs it, and the shell skips whatever is left up to the marker, so a host where sudo does
 * not ask (NOPASSWD, cached) never executes the password line. Nothing secret is on this line.
 */
export function wrapperCommand(privilege: Privilege, phase: string): string {
  switch (privilege) {
    case "root":
      return `bash -s -- ${phase}`;
    case "sudo":
      return `sudo -n bash -s -- ${phase}`;
    case "sudo-password":
      return `sudo -S -p '' bash -c 'while IFS= read -r l; do [ "$l" = ${STDIN_MARK} ] && break; done; exec bash -s -- "$0"' ${phase}`;
  }
}

/**
 * stdin for the wrapper: the sudo password line and marker when needed, then the script. Without a
 * password it is `script` itself, not wrapped in a new Output: every Output the SDK builds costs a
 * chain of promises per resource (bench/cluster-eval.ts).
 */
export function wrapperStdin(privilege: Privilege, script: pulumi.Input<string>, sudoPassword?: pulumi.Input<string>): pulumi.Input<string> {
  if (privilege !== "sudo-password") return script;
  return pulumi.interpolate`${sudoPassword}\n${STDIN_MARK}\n${script}`;
}

/** `script` packed (packScript) with its per-node `values`: plain strings stay a string, else one Output. */
function packed(script: pulumi.Input<string>, values: pulumi.Input<string>[] = []): pulumi.Input<string> {
  if (values.every((v): v is string => typeof v === "string")) {
    if (typeof script === "string") return packScript(script, values);
    return (pulumi.Output.isInstance(script) ? script : pulumi.output(script)).apply((s) => packScript(s, values));
  }
  return pulumi.all([script, ...values]).apply(([s, ...v]) => packScript(s, v));
}

/** PATH of a local script: what a root login shell has, whatever the Pulumi process had. */
const LOCAL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The wrapper for a node that is the machine running Pulumi. It starts from an empty environment,
 * like an SSH session does: the Pulumi process's own (its passphrase, or a K3S_URL/K3S_TOKEN that
 * install.sh would obey) must not reach the script.
 */
export function localWrapperCommand(privilege: Privilege, phase: string): string {
  return `env -i PATH=${LOCAL_PATH} HOME=/root ${wrapperCommand(privilege, phase)}`;
}

/** A script whose phases (create, update, delete) a remote.Command runs with the right privilege. */
export interface RemoteScriptArgs {
  connection: SshConnection;
  /** Bash script dispatching on $1 (create|update|delete). */
  script: pulumi.Input<string>;
  /** Phases the resource runs; `update` reruns `create` semantics only when listed. */
  phases: Array<"create" | "update" | "delete">;
  /** The script carries a secret (token, password, key): keep stdin and output secret and unlogged. */
  secret?: boolean;
  /** With `secret`: the script never prints its secret, so stream its output (install logs matter). */
  showOutput?: boolean;
  /** Values whose change forces a replace (delete then create). */
  triggers?: pulumi.Input<unknown>[];
  /**
   * The script's per-node values (node name, addresses, configuration hash): sent plain beside the compressed
   * body, so nodes with the same settings share one body (packScript). Not secrets: they stay
   * readable in the step's stdin.
   */
  values?: pulumi.Input<string>[];
  /**
   * `script` is already packScript's output (with its values): for a caller that renders inside an
   * Output it builds anyway and packs there, saving an Output per step (bench/cluster-eval.ts).
   */
  packed?: boolean;
}

/** What runs a node's scripts: over SSH, or directly on a local node. */
export type ScriptCommand = command.remote.Command | command.local.Command;

/**
 * Creates the command resource that runs a rendered script on a node: a remote.Command over SSH, or
 * for a local node a local.Command with the same script, stdin and privilege wrapper.
 */
export function remoteScript(name: string, args: RemoteScriptArgs, opts: pulumi.CustomResourceOptions): ScriptCommand {
  const conn = args.connection;
  const privilege = privilegeOf(conn);
  const needsSecret = args.secret || privilege === "sudo-password";
  // Packed (gzip + base64, decoded on the host): the state carries each step's stdin twice.
  const stdin = wrapperStdin(privilege, args.packed ? args.script : packed(args.script, args.values), conn.sudoPassword);
  const line = conn.local ? localWrapperCommand : wrapperCommand;
  const phase = (p: "create" | "update" | "delete") => (args.phases.includes(p) ? line(privilege, p) : undefined);
  const quiet = args.secret && !args.showOutput;
  const inputs = {
    create: phase("create"),
    update: phase("update") ?? (args.phases.includes("create") ? line(privilege, "noop") : undefined),
    delete: phase("delete"),
    stdin: needsSecret ? pulumi.secret(stdin) : stdin,
    triggers: args.triggers,
    addPreviousOutputInEnv: false,
  };
  const resourceOpts = { ...opts, additionalSecretOutputs: needsSecret ? ["stdout", "stderr"] : opts.additionalSecretOutputs };
  if (conn.local) {
    const logging = quiet ? command.types.enums.local.Logging.None : command.types.enums.local.Logging.StdoutAndStderr;
    return new command.local.Command(name, { ...inputs, logging }, resourceOpts);
  }
  const logging = quiet ? command.types.enums.remote.Logging.None : command.types.enums.remote.Logging.StdoutAndStderr;
  return new command.remote.Command(name, { ...inputs, connection: connectionArgs(conn), logging }, resourceOpts);
}
