import { argName } from "./managed-flags";
import { componentArgProblem, keyedArgEntries } from "./component-args";
import { isGoDuration } from "./duration";

/**
 * The kubelet's single-valued flags most often written in `kubelet-arg`, by how the kubelet reads them
 * (cmd/kubelet/app/options/options.go: fs.BoolVar, Int32Var, Int64Var, DurationVar, StringVar with its
 * listed values) and the ranges its configuration validation holds them to
 * (pkg/kubelet/apis/config/validation/validation.go and the flags' help). A value it cannot parse or
 * that validation refuses makes the kubelet exit at start, so the node never becomes Ready.
 * Flags not listed here are checked only for existing (kubernetes-flags.ts).
 */
type Scalar =
  | { type: "bool" }
  | { type: "int32" | "int64"; min?: number; max?: number; example: string }
  | { type: "duration"; example: string }
  | { type: "enum"; values: string[] };

const bool: Scalar = { type: "bool" };
const count = (example: string, min = 0, max?: number): Scalar => ({ type: "int32", min, max, example });
const duration = (example: string): Scalar => ({ type: "duration", example });

const KUBELET_SCALARS: Record<string, Scalar> = {
  "max-pods": count("110"),
  "pods-per-core": count("10"),
  "registry-qps": count("5"),
  "registry-burst": count("10"),
  "event-qps": count("50"),
  "event-burst": count("100"),
  "kube-api-qps": count("50"),
  "kube-api-burst": count("100"),
  "image-gc-high-threshold": count("85", 0, 100),
  "image-gc-low-threshold": count("80", 0, 100),
  "container-log-max-files": count("5", 2),
  "node-status-max-images": count("50", -1),
  "oom-score-adj": count("-999", -1000, 1000),
  "pod-max-pids": { type: "int64", example: "4096" },
  "max-open-files": { type: "int64", min: 0, example: "1000000" },
  "serialize-image-pulls": bool,
  "fail-swap-on": bool,
  "protect-kernel-defaults": bool,
  "rotate-certificates": bool,
  "rotate-server-certificates": bool,
  "anonymous-auth": bool,
  "authentication-token-webhook": bool,
  "cgroups-per-qos": bool,
  "cpu-cfs-quota": bool,
  "make-iptables-util-chains": bool,
  "register-node": bool,
  "kernel-memcg-notification": bool,
  "local-storage-capacity-isolation": bool,
  "enable-debugging-handlers": bool,
  "node-status-update-frequency": duration("10s"),
  "streaming-connection-idle-timeout": duration("4h"),
  "minimum-image-ttl-duration": duration("2m"),
  "runtime-request-timeout": duration("2m"),
  "eviction-pressure-transition-period": duration("5m"),
  "cpu-manager-reconcile-period": duration("10s"),
  "cpu-cfs-quota-period": duration("100ms"),
  "volume-stats-agg-period": duration("1m"),
  "authentication-token-webhook-cache-ttl": duration("2m"),
  "authorization-webhook-cache-authorized-ttl": duration("5m"),
  "authorization-webhook-cache-unauthorized-ttl": duration("30s"),
  "cgroup-driver": { type: "enum", values: ["cgroupfs", "systemd"] },
  "cpu-manager-policy": { type: "enum", values: ["none", "static"] },
  "memory-manager-policy": { type: "enum", values: ["None", "Static"] },
  "topology-manager-policy": { type: "enum", values: ["none", "best-effort", "restricted", "single-numa-node"] },
  "topology-manager-scope": { type: "enum", values: ["container", "pod"] },
  "hairpin-mode": { type: "enum", values: ["promiscuous-bridge", "hairpin-veth", "none"] },
};

/** Go's strconv.ParseBool, which pflag's bool flags use. */
const GO_BOOL = ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"];
const INT_BITS = { int32: 31n, int64: 63n };
/** strconv.ParseInt(s, 0, bits), as pflag's int flags call it: a sign, then decimal, or 0x, 0b, 0o (or a bare 0) digits, where '_' may separate digits. */
function goInt(value: string): bigint | undefined {
  const m = /^([+-]?)(0[xX]|0[bB]|0[oO]|0(?=[0-7_]))?(.+)$/.exec(value);
  if (!m) return undefined;
  const [, sign, prefix = "", digits] = m;
  const base = /[xX]/.test(prefix) ? "0-9a-fA-F" : /[bB]/.test(prefix) ? "01" : prefix ? "0-7" : "0-9";
  const shape = prefix ? new RegExp(`^_?[${base}]+(?:_[${base}]+)*$`) : /^(?:0|[1-9](?:_?[0-9])*)$/;
  if (!shape.test(digits)) return undefined;
  const n = BigInt(`${prefix && !/[xXbB]/.test(prefix) ? "0o" : prefix}${digits.replace(/_/g, "")}`);
  return sign === "-" ? -n : n;
}

/** The kubelet's defaults for the image GC thresholds, which a lone one is held against (low < high). */
const IMAGE_GC_DEFAULT = { high: 85, low: 80 };

/** What is wrong with `value` for `flag`, or undefined. */
function scalarProblem(flag: string, s: Scalar, value: string): string | undefined {
  switch (s.type) {
    case "bool":
      return GO_BOOL.includes(value) ? undefined : `'${value}' is not a boolean (true or false) ("invalid argument ... strconv.ParseBool")`;
    case "duration":
      return isGoDuration(value) ? undefined : `'${value}' is not a duration with a unit, such as ${s.example} ("invalid argument ... time: missing unit")`;
    case "enum":
      return s.values.includes(value) ? undefined : `'${value}' is not one of ${s.values.join(", ")}`;
    default: {
      const big = goInt(value);
      if (big === undefined) return `'${value}' is not a whole number ("invalid argument ... strconv.ParseInt")`;
      if (big >= 1n << INT_BITS[s.type] || big < -(1n << INT_BITS[s.type])) return `'${value}' is past the flag's ${s.type} range`;
      const n = Number(big);
      if (s.min !== undefined && n < s.min) return `${flag} must be ${s.max === undefined ? `${s.min} or more` : `${s.min}-${s.max}`}, not ${value}`;
      if (s.max !== undefined && n > s.max) return `${flag} must be ${s.min}-${s.max}, not ${value}`;
      return undefined;
    }
  }
}

/**
 * Problems of the single-valued kubelet flags among `config`'s `kubelet-arg` entries (a serverConfig or
 * agentConfig mapping), as "key: what is wrong. Fix: ..." lines; `where(key)` names an entry. Also
 * image-gc-low-threshold against image-gc-high-threshold (or its default 85): validation wants low < high.
 */
export function kubeletScalarProblems(config: Record<string, unknown>, where: (key: string) => string): string[] {
  const problems: string[] = [];
  const gc: { high?: { key: string; n: number }; low?: { key: string; n: number } } = {};
  for (const { key, entry } of keyedArgEntries(config, "kubelet-arg")) {
    const flag = argName(entry);
    const s = KUBELET_SCALARS[flag];
    // An entry that is not name=value is reported as such (rules/flags.ts).
    if (!s || componentArgProblem(entry) !== undefined) continue;
    // A name alone is how k3s sets a flag to true (it passes --<name>=true).
    const value = entry.includes("=") ? entry.slice(entry.indexOf("=") + 1) : "true";
    const wrong = scalarProblem(flag, s, value);
    if (wrong) {
      const fix = s.type === "bool" ? `${flag}=true or ${flag}=false` : s.type === "enum" ? `${flag}=${s.values[0]}` : `${flag}=${s.example}`;
      problems.push(`${where(key)}: '${entry}': ${wrong}, so the kubelet refuses it and exits at start and the node never becomes Ready. Fix: write it like ${fix}.`);
    } else if (flag === "image-gc-high-threshold" || flag === "image-gc-low-threshold") {
      gc[flag === "image-gc-high-threshold" ? "high" : "low"] = { key, n: Number(goInt(value)) };
    }
  }
  // A kubelet config file (config=, config-dir=) may set the one not given here: no default to compare with then.
  const configFile = keyedArgEntries(config, "kubelet-arg").some(({ entry }) => ["config", "config-dir"].includes(argName(entry)));
  const high = gc.high?.n ?? IMAGE_GC_DEFAULT.high;
  const low = gc.low?.n ?? IMAGE_GC_DEFAULT.low;
  if ((gc.high || gc.low) && (!configFile || (gc.high && gc.low)) && low >= high) {
    const at = gc.low ?? gc.high!;
    // No low threshold (0-100) is below a high one of 0: that one must rise.
    const fix = high > 0 && gc.low ? `set image-gc-low-threshold below ${high}, such as image-gc-low-threshold=${Math.max(0, high - 5)}` : `set image-gc-high-threshold above ${low}, such as image-gc-high-threshold=${Math.min(100, Math.max(low + 5, IMAGE_GC_DEFAULT.high))}`;
    problems.push(`${where(at.key)}: image-gc-low-threshold (${low}${gc.low ? "" : ", the default"}) is not below image-gc-high-threshold (${high}${gc.high ? "" : ", the default"}), and the kubelet refuses to start ("imageGCLowThresholdPercent ... must be less than imageGCHighThresholdPercent"). Fix: ${fix}.`);
  }
  return problems;
}
