import * as aws from "@pulumi/aws";
import { cidrContains } from "../../rules/cidr";
import { keyPath } from "../../rules/errors";
import { CloudConfig } from "../cloud/config";

/** An existing VPC as EC2 describes it; undefined fields: not found in the region. */
export interface VpcFacts {
  /** Its IPv4 CIDR blocks, primary first. */
  cidrBlocks?: string[];
}

/** One of aws.subnetIds as EC2 describes it; `vpcId` undefined: not found in the region. */
export interface SubnetFacts {
  id: string;
  vpcId?: string;
  cidrBlock?: string;
}

const at = (...path: Array<string | number>) => keyPath("cloud", path);

/**
 * What EC2 would refuse, or what would leave the nodes cut off, in an existing VPC (aws.vpcId):
 * a VPC or subnet not found in the region, a subnet of another VPC (the security groups are
 * created in aws.vpcId, and EC2 refuses an instance whose subnet and groups are in different VPCs),
 * and a subnet outside network.cidr (the groups let node-to-node traffic in from network.cidr only,
 * and it is what was checked against the pod and service ranges).
 */
export function existingVpcProblems(c: CloudConfig, vpc: VpcFacts, subnets: SubnetFacts[]): string[] {
  const a = c.aws;
  if (!a?.vpcId) return [];
  if (!vpc.cidrBlocks) return [`${at("aws", "vpcId")}: ${a.vpcId} was not found in region ${a.region}. Fix: copy the ID of a VPC of ${a.region} from the VPC console, or set aws.region to the VPC's region.`];
  const blocks = vpc.cidrBlocks.join(", ");
  return subnets.flatMap((s, i) => {
    const key = at("aws", "subnetIds", i);
    if (!s.vpcId) return [`${key}: ${s.id} was not found in region ${a.region}. Fix: copy the ID of one of ${a.vpcId}'s subnets from the VPC console.`];
    if (s.vpcId !== a.vpcId) return [`${key}: ${s.id} belongs to ${s.vpcId}, not to aws.vpcId ${a.vpcId}; the security groups are created in ${a.vpcId} and EC2 refuses an instance whose subnet is in another VPC. Fix: use a subnet of ${a.vpcId}, or set vpcId to ${s.vpcId}.`];
    if (s.cidrBlock && !cidrContains(c.network.cidr, s.cidrBlock)) {
      return [`${at("network", "cidr")}: ${c.network.cidr} does not hold ${s.id}'s range ${s.cidrBlock}, and the security groups let node traffic in from network.cidr only. Fix: set network.cidr to the VPC's CIDR block that holds it (${a.vpcId} has ${blocks}).`];
    }
    return [];
  });
}

/** Whether an invoke failed because EC2 found nothing (the AWS provider's "no matching ... found"). */
const notFound = (e: unknown) => /no matching|not found|does not exist/i.test(String((e as Error)?.message ?? e));

/**
 * Describes aws.vpcId and aws.subnetIds through the AWS provider (invokes only: nothing is
 * registered) and returns existingVpcProblems. Other failures (credentials, network) propagate.
 */
export async function readExistingVpcProblems(c: CloudConfig): Promise<string[]> {
  const a = c.aws;
  if (!a?.vpcId) return [];
  const vpcId = a.vpcId;
  const vpc: VpcFacts = await aws.ec2.getVpc({ id: vpcId, region: a.region }).then(
    (v) => ({ cidrBlocks: [v.cidrBlock, ...v.cidrBlockAssociations.map((b) => b.cidrBlock).filter((b) => b !== v.cidrBlock)] }),
    (e: unknown) => { if (notFound(e)) return {}; throw e; },
  );
  if (!vpc.cidrBlocks) return existingVpcProblems(c, vpc, []);
  const subnets = await Promise.all(a.subnetIds.map((id) => aws.ec2.getSubnet({ id, region: a.region }).then(
    (s): SubnetFacts => ({ id, vpcId: s.vpcId, cidrBlock: s.cidrBlock }),
    (e: unknown): SubnetFacts => { if (notFound(e)) return { id }; throw e; },
  )));
  return existingVpcProblems(c, vpc, subnets);
}
