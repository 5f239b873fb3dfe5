import type * as pulumi from "@pulumi/pulumi";

/**
 * Records every `command.remote.Command` the program creates, with its args and resource options: the
 * mock monitor does not expose `dependsOn`. Use from a test file as
 * `jest.mock("@pulumi/command", () => require("<path>/recorder").recordingCommandModule())`.
 */
export interface RecordedCommand {
  name: string;
  args: Record<string, unknown>;
  opts: pulumi.CustomResourceOptions;
  resource: pulumi.CustomResource;
}

export const recorded: RecordedCommand[] = [];
const names = new WeakMap<object, string>();

/** The name a recorded resource was created with. */
export function nameOf(resource: object): string {
  const name = names.get(resource);
  if (name === undefined) throw new Error("dependsOn holds a resource that is not a recorded remote.Command");
  return name;
}

/** Names of the explicit dependsOn of a recorded command (plain arrays only, as the core passes them). */
export function dependsOnNames(c: RecordedCommand): string[] {
  const deps = c.opts.dependsOn;
  if (deps === undefined) return [];
  if (!Array.isArray(deps)) throw new Error(`${c.name}: dependsOn is not a plain array`);
  return (deps as object[]).map(nameOf);
}

export function command(name: string): RecordedCommand {
  const found = recorded.find((c) => c.name === name);
  if (!found) throw new Error(`no remote.Command ${name}; have ${recorded.map((c) => c.name).join(", ")}`);
  return found;
}

/** @pulumi/command with remote.Command replaced by a recording subclass. */
export function recordingCommandModule(): unknown {
  const actual = jest.requireActual("@pulumi/command") as typeof import("@pulumi/command");
  class Command extends actual.remote.Command {
    constructor(name: string, args: import("@pulumi/command").remote.CommandArgs, opts?: pulumi.CustomResourceOptions) {
      super(name, args, opts);
      names.set(this, name);
      recorded.push({ name, args: args as unknown as Record<string, unknown>, opts: opts ?? {}, resource: this });
    }
  }
  return { ...actual, remote: { ...actual.remote, Command } };
}
