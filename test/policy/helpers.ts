import {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";

/** What a policy reported: violation messages, or the reason it declared itself not applicable. */
export interface PolicyRun {
  violations: string[];
  notApplicable?: string;
}

class NotApplicable extends Error {}

/** The value the engine sends for an output not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const options = (extra: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions => ({
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...extra,
});

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

async function collect(run: (report: (m: string) => void) => unknown): Promise<PolicyRun> {
  const violations: string[] = [];
  try {
    await run((m) => violations.push(m));
  } catch (e) {
    if (e instanceof NotApplicable) return { violations, notApplicable: e.message };
    throw e;
  }
  return { violations };
}

/** Runs a resource policy on one fake resource, with props behind the same unknown-checking proxy as the engine. */
export function runResourcePolicy(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: object = {}): Promise<PolicyRun> {
  const args: ResourceValidationArgs = {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:test::k3s-stacks::${type}::r`,
    name: "r",
    opts: options(),
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
  return collect(async (report) => {
    for (const v of validations) await v(args, report);
  });
}

export interface FakeResource {
  type: string;
  name?: string;
  props?: Record<string, unknown>;
  opts?: Partial<PolicyResourceOptions>;
}

/** Runs a stack policy over fake resources in a stack named `stack`. */
export function runStackPolicy(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  { config = {}, tags = {}, stack = "test" }: { config?: object; tags?: Record<string, string>; stack?: string } = {},
): Promise<PolicyRun> {
  const list: PolicyResource[] = resources.map((r, i) => ({
    type: r.type,
    name: r.name ?? `r${i}`,
    urn: `urn:pulumi:${stack}::k3s-stacks::${r.type}::${r.name ?? `r${i}`}`,
    props: unknownCheckingProxy(r.props ?? {}),
    opts: options(r.opts),
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  const args: StackValidationArgs = {
    resources: list,
    stackTags: new Map(Object.entries(tags)),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  return collect((report) => policy.validateStack(args, report));
}
