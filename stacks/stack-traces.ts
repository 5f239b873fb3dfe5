/** Set (to anything) to keep JavaScript stack traces in `pulumi up` / `preview`, e.g. for a bug report. */
export const STACK_TRACES_ENV = "K3S_STACKS_STACK_TRACES";

/**
 * Turns off stack-trace capture for the program's run unless `K3S_STACKS_STACK_TRACES` is set.
 *
 * Why: @pulumi/pulumi captures and formats a stack trace for every internal promise it creates
 * (runtime/debuggable.js; about fifty per remote.Command), only to print them if promises leak. At
 * 300 nodes that is most of the evaluation time of a preview (bench/cluster-eval.ts prints both).
 * Resource source positions are unaffected: the SDK raises the limit itself when it records them.
 * The cost: an unexpected exception shows its message without frames. Config errors never had any.
 */
export function limitStackTraces(env: NodeJS.ProcessEnv): void {
  if (env[STACK_TRACES_ENV] === undefined) Error.stackTraceLimit = 0;
}
