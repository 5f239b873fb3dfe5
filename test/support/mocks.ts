import * as pulumi from "@pulumi/pulumi";

/** A resource registration seen by the mock monitor (it does not see dependsOn: test/stack/support/recorder.ts does). */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface MockState {
  resources: Registered[];
  byType(type: string): Registered[];
  byName(name: string): Registered;
}

/**
 * Installs Pulumi mocks that record every registration. `outputs` lets a test add provider-computed
 * outputs per type; `calls` answers invokes by token (unknown tokens throw, as awsx's tests do).
 */
export async function installMocks(opts: {
  outputs?: (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;
  calls?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
  project?: string;
  stack?: string;
  preview?: boolean;
} = {}): Promise<MockState> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = args.inputs as Record<string, unknown>;
        resources.push({ type: args.type, name: args.name, inputs });
        // A StackReference always has an outputs map in the real engine (empty for a fresh stack).
        const base = args.type === "pulumi:pulumi:StackReference" ? { outputs: {} } : {};
        const extra = { ...base, ...(opts.outputs?.(args.type, args.name, inputs) ?? {}) };
        return { id: `${args.name}-id`, state: { ...inputs, ...extra } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        const handler = opts.calls?.[args.token];
        if (!handler) throw new Error(`Mock not implemented: ${args.token}`);
        return handler(args.inputs as Record<string, unknown>);
      },
    },
    opts.project ?? "k3s-stacks",
    opts.stack ?? "test",
    opts.preview ?? false,
  );
  return {
    resources,
    byType: (type) => resources.filter((r) => r.type === type),
    byName: (name) => {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; have: ${resources.map((r) => r.name).join(", ")}`);
      return found;
    },
  };
}

/** Resolves an Output (or plain value) to its value. */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => { resolve(v as T); return v; }));
}

/** Whether an Output is marked secret. */
export function isSecret(o: pulumi.Input<unknown>): Promise<boolean> {
  return pulumi.isSecret(pulumi.output(o));
}

/** Lets every pending Output settle so all registrations have reached the mock monitor. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
