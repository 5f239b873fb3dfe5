import * as pulumi from "@pulumi/pulumi";

/**
 * `values` as Outputs that resolve only once every step in `steps` has completed in this update, each
 * keeping its value and secretness. For the stack outputs the next update's checks read back
 * (previous.ts): when a step fails, its URN rejects (or never resolves), so the SDK registers no new
 * value for them (runInPulumiStack registers the stack's outputs only when all of them resolve),
 * and the engine keeps the previous outputs of a failed update that registered none
 * (PULUMI:pkg/resource/deploy/step_executor.go executeRegisterResourceOutputs: on error, new stack
 * outputs are laid over the old ones, absent ones keep their old value). A URN resolves when the
 * engine answers the registration, after the step ran; during preview it is known, so a preview
 * shows the values.
 */
export function afterSteps<T extends Record<string, unknown>>(steps: pulumi.Resource[], values: T): { [K in keyof T]: pulumi.Output<pulumi.Unwrap<T[K]>> } {
  const done = pulumi.all(steps.map((s) => s.urn));
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, done.apply(() => pulumi.output(v))])) as unknown as { [K in keyof T]: pulumi.Output<pulumi.Unwrap<T[K]>> };
}
