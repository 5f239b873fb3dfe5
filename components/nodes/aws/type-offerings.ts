import * as aws from "@pulumi/aws";
import { ConfigRoot, keyPath } from "../../rules/errors";
import { CloudConfig } from "../cloud/config";
import { subnetIndex } from "../cloud/pools";

/** One offering as DescribeInstanceTypeOfferings lists it with location type availability-zone. */
export interface TypeOffering {
  type: string;
  zone: string;
}

/**
 * The zones a pool's instances go into: instance i goes into subnet subnetIndex(i, n) (AwsNodes), so
 * a pool of count c uses the zones of the first min(c, n) subnets. `subnetZones[i]` is the zone of
 * subnet i (aws.availabilityZones, or the existing subnets' zones).
 */
export function poolZones(count: number, subnetZones: string[]): string[] {
  const used = new Set<string>();
  for (let i = 0; i < Math.min(count, subnetZones.length); i++) used.add(subnetZones[subnetIndex(i, subnetZones.length)]);
  return [...used];
}

/**
 * Pools whose EC2 type is not offered in a zone their instances go into. EC2 offers each type in
 * some zones of a region only, and RunInstances refuses it elsewhere ('Unsupported: Your requested
 * instance type (t3.micro) is not supported in your requested Availability Zone (us-east-1e)': AWS
 * knowledge center ec2-instance-type-not-supported-az-error; kubernetes-sigs/cluster-api-provider-aws#2106,
 * longhorn/longhorn-tests#1130) after the VPC, key pair and security groups exist. `offered` holds
 * the region's offerings of the pools' types; `existingVpc` picks the fix (zones or subnets).
 */
export function typeOfferingProblems(c: CloudConfig, subnetZones: string[], offered: TypeOffering[], root: ConfigRoot = "cloud"): string[] {
  const region = c.aws?.region ?? "";
  const existingVpc = c.aws?.vpcId !== undefined;
  return c.pools.flatMap((pool, i) => {
    const missing = poolZones(pool.count, subnetZones).filter((zone) => !offered.some((o) => o.type === pool.type && o.zone === zone));
    if (missing.length === 0) return [];
    const has = [...new Set(offered.filter((o) => o.type === pool.type).map((o) => o.zone))].sort();
    const where = has.length > 0 ? `it is offered in ${has.join(", ")}` : `it is offered in no zone of ${region}`;
    const fix = has.length === 0
      ? `use a type offered in ${region} (aws ec2 describe-instance-type-offerings --region ${region}), or another region`
      : existingVpc
        ? `use subnets of zones that offer it, or another type`
        : `list only zones that offer it in aws.availabilityZones (with as many network.subnets), or use another type`;
    return [`${keyPath(root, ["pools", i, "type"])}: ${pool.type} is not offered in ${missing.join(", ")}, where ${missing.length > 1 ? "these instances go" : "an instance goes"}; EC2 would refuse it there after the VPC and security groups exist (${where}). Fix: ${fix}.`];
  });
}

/** Whether an invoke failed because EC2 found nothing (the AWS provider's "no matching ... found"). */
const notFound = (e: unknown) => /no matching|not found|does not exist/i.test(String((e as Error)?.message ?? e));

/**
 * Reads the subnets' zones (aws.availabilityZones, or each existing subnet's, by getSubnet) and the
 * region's offerings of the pools' types (getInstanceTypeOfferings), invokes only, and returns
 * typeOfferingProblems. A subnet not found is left out (existingVpcProblems names it); other failures
 * (credentials, network) propagate.
 */
export async function readTypeOfferingProblems(c: CloudConfig, root: ConfigRoot = "cloud"): Promise<string[]> {
  const a = c.aws;
  if (c.provider !== "aws" || !a) return [];
  const types = [...new Set(c.pools.filter((p) => p.count > 0).map((p) => p.type))];
  if (types.length === 0) return [];
  const zones = a.vpcId
    ? await Promise.all(a.subnetIds.map((id) => aws.ec2.getSubnet({ id, region: a.region }).then(
      (s) => s.availabilityZone,
      (e: unknown) => { if (notFound(e)) return undefined; throw e; },
    )))
    : a.availabilityZones;
  if (zones.some((z) => z === undefined)) return [];
  const result = await aws.ec2.getInstanceTypeOfferings({
    locationType: "availability-zone",
    filters: [{ name: "instance-type", values: types }],
    region: a.region,
  });
  const offered = result.instanceTypes.map((type, i) => ({ type, zone: result.locations[i] }));
  return typeOfferingProblems(c, zones as string[], offered, root);
}
