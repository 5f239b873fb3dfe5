import { argName } from "./managed-flags";
import { componentArgProblem, keyedArgEntries } from "./component-args";

/**
 * Values of the kubelet's resource-reservation and eviction flags, written by hand in `kubelet-arg`
 * (`kube-reserved=cpu=250m,memory=256Mi`, `eviction-hard=memory.available<100Mi`). The kubelet parses
 * them when k3s starts it and exits on any it refuses, so the node never becomes Ready:
 * - kube-reserved, system-reserved: `name=quantity` pairs (component-base cliflag MapStringString:
 *   comma-separated, each split at its first '=', "malformed pair, expect string=string"); names cpu,
 *   memory, ephemeral-storage and pid ("cannot reserve %q resource"), quantities as
 *   resource.ParseQuantity reads them, never negative (cmd/kubelet/app/server.go parseResourceList);
 * - eviction-hard, eviction-soft: `signal<value` pairs (cliflag LangleSeparatedMapStringString:
 *   "malformed pair, expect string<string"); eviction-soft-grace-period and eviction-minimum-reclaim:
 *   `signal=value` pairs. Signals are those of pkg/kubelet/eviction/helpers.go signalToResource
 *   ("unsupported eviction signal %v"); a threshold is a percentage of at most 100% or a positive
 *   quantity, a grace period a Go duration, and every eviction-soft signal needs a grace period
 *   ("grace period must be specified for the soft eviction threshold %v", ParseThresholdConfig).
 * Several entries for one flag add up (MapStringString.Set keeps the pairs of earlier calls).
 */
const RESERVABLE = ["cpu", "memory", "ephemeral-storage", "pid"];
const SIGNALS = [
  "memory.available", "allocatableMemory.available", "nodefs.available", "nodefs.inodesFree",
  "imagefs.available", "imagefs.inodesFree", "containerfs.available", "containerfs.inodesFree", "pid.available",
];
/** apimachinery resource.Quantity: a signed decimal, then a binary or decimal SI suffix or a decimal exponent. */
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const GO_DURATION = /^(?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h))+$|^0$/;

type Kind = "reserved" | "threshold" | "grace" | "reclaim";
const FLAGS: Record<string, { kind: Kind; sep: "=" | "<"; example: string }> = {
  "kube-reserved": { kind: "reserved", sep: "=", example: "kube-reserved=cpu=250m,memory=256Mi" },
  "system-reserved": { kind: "reserved", sep: "=", example: "system-reserved=cpu=250m,memory=256Mi" },
  "eviction-hard": { kind: "threshold", sep: "<", example: "eviction-hard=memory.available<100Mi,nodefs.available<10%" },
  "eviction-soft": { kind: "threshold", sep: "<", example: "eviction-soft=memory.available<300Mi" },
  "eviction-soft-grace-period": { kind: "grace", sep: "=", example: "eviction-soft-grace-period=memory.available=1m30s" },
  "eviction-minimum-reclaim": { kind: "reclaim", sep: "=", example: "eviction-minimum-reclaim=memory.available=100Mi" },
};

/** The quantity meant by a common slip: `1GB` → `1G`, `1gi` → `1Gi`, `1 Gi` → `1Gi`; undefined when none is near. */
function nearQuantity(v: string): string | undefined {
  const t = v.replace(/\s+/g, "").replace(/^(\d+(?:\.\d+)?)([kKmMgGtTpPeE])(i?)[bB]?$/, (_, n: string, u: string, i: string) => `${n}${u === "k" || u === "K" ? (i ? "Ki" : "k") : u.toUpperCase()}${i}`);
  return QUANTITY.test(t) ? t : undefined;
}

function quantityProblem(v: string): string | undefined {
  if (!QUANTITY.test(v)) {
    const near = nearQuantity(v);
    return `'${v}' is not a Kubernetes quantity (a number with a suffix Ki, Mi, Gi, or k, M, G, or m for millicores${near ? `: '${near}'` : ""})`;
  }
  return v.startsWith("-") ? `'${v}' is negative` : undefined;
}

/** What is wrong with one name/value pair of a flag of `kind`, or undefined. */
function pairProblem(kind: Kind, name: string, value: string): string | undefined {
  if (kind === "reserved") {
    if (!RESERVABLE.includes(name)) return `the kubelet cannot reserve '${name}' (it reserves ${RESERVABLE.join(", ")})`;
    return quantityProblem(value);
  }
  if (!SIGNALS.includes(name)) return `'${name}' is not an eviction signal (${SIGNALS.join(", ")})`;
  if (kind === "grace") return GO_DURATION.test(value) ? undefined : `'${value}' is not a duration such as 1m30s`;
  if (value.endsWith("%")) {
    const pct = Number(value.slice(0, -1));
    if (Number.isNaN(pct) || value === "%") return `'${value}' is not a percentage such as 10%`;
    if (pct < 0 || pct > 100) return `'${value}' is outside 0% to 100%`;
    return kind === "reclaim" && pct === 0 ? `'${value}' must be more than 0%` : undefined;
  }
  const wrong = quantityProblem(value);
  if (wrong || kind === "reclaim") return wrong;
  return /^[+-]?0*\.?0*(?:[a-zA-Z]+|[eE][+-]?\d+)?$/.test(value) ? `'${value}' is zero; a threshold must be positive` : undefined;
}

/**
 * Problems of the kubelet's reservation and eviction values among `config`'s `kubelet-arg` entries
 * (a serverConfig or agentConfig mapping, or a role's merged keys), as "key: what is wrong. Fix: ..."
 * lines; `where(key)` names an entry (`kubelet-arg[1]`).
 */
export function kubeletValueProblems(config: Record<string, unknown>, where: (key: string) => string): string[] {
  const problems: string[] = [];
  const soft: Array<{ key: string; signal: string }> = [];
  const graced = new Set<string>();
  for (const { key, entry } of keyedArgEntries(config, "kubelet-arg")) {
    const flag = FLAGS[argName(entry)];
    // An entry that is not name=value is reported as such (rules/flags.ts).
    if (!flag || componentArgProblem(entry) !== undefined) continue;
    const value = entry.slice(entry.indexOf("=") + 1);
    const wrong = value.split(",").filter((p) => p.length > 0).flatMap((pair) => {
      const at = pair.indexOf(flag.sep);
      if (at < 0) return [`'${pair}' is not name${flag.sep}value ("malformed pair, expect string${flag.sep}string")`];
      const [name, v] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (flag.kind === "grace") graced.add(name);
      if (argName(entry) === "eviction-soft") soft.push({ key, signal: name });
      const problem = pairProblem(flag.kind, name, v);
      return problem ? [problem] : [];
    });
    if (wrong.length) problems.push(`${where(key)}: '${entry}': ${wrong.join("; ")}, so the kubelet refuses it and exits at start and the node never becomes Ready. Fix: write it like ${flag.example}.`);
  }
  for (const { key, signal } of soft.filter((s) => SIGNALS.includes(s.signal) && !graced.has(s.signal))) {
    problems.push(`${where(key)}: eviction-soft sets ${signal} without a grace period, and the kubelet refuses to start ("grace period must be specified for the soft eviction threshold ${signal}"). Fix: add the entry eviction-soft-grace-period=${signal}=1m30s (or use eviction-hard, which needs none).`);
  }
  return problems;
}
