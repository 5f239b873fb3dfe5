/**
 * How strict the policy pack is with a stack: dev allows channels and single members; prod wants HA
 * and snapshots. The fleet's site files name it too (tools/fleet); this module has no dependencies so
 * the fleet CLI can use the list without loading @pulumi/policy.
 */
export const ENVIRONMENTS = ["dev", "site", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
