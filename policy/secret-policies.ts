import { PolicyResourceOptions, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { known } from "./environment";
import { unpackScript } from "../components/remote/packed-script";

const COMMAND_TYPES = ["command:remote:Command", "command:local:Command"];
const PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";
const COMMAND_FIELDS = ["create", "update", "delete"] as const;

/** Secrets written literally on a command line (visible in `ps`, state and logs). */
const SECRET_ON_COMMAND_LINE: Array<[RegExp, string]> = [
  [/\bK3S_(AGENT_)?TOKEN=(?!\s|$)/, "K3S_TOKEN=<value>"],
  [/\bK3S_DATASTORE_ENDPOINT=(?!\s|$)/, "K3S_DATASTORE_ENDPOINT=<value>"],
  [/--(agent-)?token[= ](?!-)\S/, "--token <value>"],
  [/--datastore-endpoint[= ]\S/, "--datastore-endpoint <value>"],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i, "a URL with a password"],
];
/** Environment variable names that carry secrets. */
const SECRET_ENV = /(TOKEN|PASSWORD|PASSWD|SECRET|PRIVATE_KEY|DATASTORE_ENDPOINT)/i;
/** Scripts that print the admin kubeconfig or a join token. */
const SECRET_READERS = [/cat\s+\/etc\/rancher\/k3s\/k3s\.yaml/, /\/var\/lib\/rancher\/k3s\/server\/(node-)?token/];

/** Pure check behind `no-secrets-on-command-line`: what a command's visible fields give away. */
export function commandLineProblems(props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of COMMAND_FIELDS) {
    const text = known(() => props[field]);
    if (typeof text !== "string") continue;
    for (const [pattern, what] of SECRET_ON_COMMAND_LINE) {
      if (pattern.test(text)) problems.push(`'${field}' passes ${what} on the command line. Fix: send secrets on stdin (pulumi.secret) as the k3s layer's scripts do.`);
    }
  }
  const env = known(() => props.environment);
  if (env && typeof env === "object") {
    for (const key of Object.keys(env)) {
      if (SECRET_ENV.test(key)) problems.push(`'environment.${key}' carries a secret in the command's environment. Fix: send it on stdin instead.`);
    }
  }
  return problems;
}

/** Pure check behind `secrets-stay-secret` for one command, given the stack's token values. */
export function secretOutputProblems(props: Record<string, unknown>, opts: Pick<PolicyResourceOptions, "additionalSecretOutputs">, tokens: readonly string[]): string[] {
  const problems: string[] = [];
  for (const field of COMMAND_FIELDS) {
    const text = known(() => props[field]);
    if (typeof text === "string" && tokens.some((t) => text.includes(t))) {
      problems.push(`'${field}' contains the cluster token in plain text. Fix: pass the token on stdin.`);
    }
  }
  const env = known(() => props.environment);
  if (env && typeof env === "object" && Object.values(env).some((v) => typeof v === "string" && tokens.some((t) => v.includes(t)))) {
    problems.push("'environment' contains the cluster token. Fix: pass the token on stdin.");
  }
  const packed = known(() => props.stdin);
  // The program sends scripts gzip+base64 encoded: read what runs.
  const stdin = typeof packed === "string" ? unpackScript(packed) : packed;
  const handlesSecret = typeof stdin === "string" && (SECRET_READERS.some((r) => r.test(stdin)) || tokens.some((t) => stdin.includes(t)));
  if (handlesSecret) {
    const secretOutputs = opts.additionalSecretOutputs ?? [];
    if (!secretOutputs.includes("stdout") || !secretOutputs.includes("stderr")) {
      problems.push("handles the token or kubeconfig but its stdout/stderr are not secret. Fix: set additionalSecretOutputs: ['stdout', 'stderr'].");
    }
    const logging = known(() => props.logging) ?? "stdoutAndStderr";
    if (logging !== "none") problems.push(`handles the token or kubeconfig but logs its output (logging: ${String(logging)}). Fix: set logging: 'none'.`);
  }
  return problems;
}

export const noSecretsOnCommandLine: ResourceValidationPolicy = {
  name: "no-secrets-on-command-line",
  description: "Commands never carry tokens, passwords or datastore URLs in their command line or environment.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!COMMAND_TYPES.includes(args.type)) return args.notApplicable("not a command");
    for (const p of commandLineProblems(args.props)) report(p);
  },
};

export const secretsStaySecret: StackValidationPolicy = {
  name: "secrets-stay-secret",
  description: "The cluster token never appears outside stdin, and commands that handle the token or kubeconfig keep their output secret and unlogged.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    // Token values are unknown until the RandomPassword exists; the check then covers command lines on update.
    const tokens = args.resources
      .filter((r) => r.type === PASSWORD_TYPE)
      .map((r) => known(() => r.props.result))
      .filter((t): t is string => typeof t === "string" && t.length >= 8);
    for (const r of args.resources.filter((x) => COMMAND_TYPES.includes(x.type))) {
      for (const p of secretOutputProblems(r.props, r.opts, tokens)) report(`${r.name}: ${p}`, r.urn);
    }
  },
};

export const secretPolicies = [noSecretsOnCommandLine, secretsStaySecret];
