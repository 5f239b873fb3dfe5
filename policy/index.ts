import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

// Run with `pulumi preview --policy-pack policy [--policy-pack-config <file>]`; the fleet rollout
// passes the same pack and writes each site's environment into the config file.
new PolicyPack("k3s-stacks", { policies: allPolicies, enforcementLevel: "mandatory" });
