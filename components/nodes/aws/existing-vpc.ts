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
  /**
   * The target of the 0.0.0.0/0 route in the subnet's route table (its own, else the VPC's main one):
   * an internet gateway (igw-…), a NAT gateway (nat-…) or another target's ID; '' when the table has
   * no such route; undefined when not read.
   */
  defaultRoute?: string;
}

/**
 * Why the instances' public addresses would not answer from a subnet, or undefined. AWS calls a subnet
 * public when its route table sends 0.0.0.0/0 to an internet gateway, and private when it has no such
 * route or reaches the internet through a NAT gateway (VPC User Guide, "Subnets for your VPC",
 * https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html; a subnet without its own
 * table uses the VPC's main one, kubernetes-sigs/cluster-api-provider-aws#835). AwsNodes gives every
 * instance a public address and Pulumi dials it: without the route, SSH packets find no way back
 * (through a NAT gateway they leave from another address), so every node's wait would time out after
 * the security groups, key pair and instances exist. Other targets (firewall endpoints, transit
 * gateways) are not judged.
 */
function privateSubnetProblem(key: string, s: SubnetFacts, vpcId: string): string | undefined {
  const fix = `Fix: use a public subnet of ${vpcId}, one whose route table sends 0.0.0.0/0 to an internet gateway (aws ec2 describe-route-tables --filters Name=vpc-id,Values=${vpcId}), or add that route to this subnet's table.`;
  if (s.defaultRoute === "") return `${key}: ${s.id} has no route to the internet (its route table holds no 0.0.0.0/0 route), so the instances' public addresses would not answer and Pulumi's SSH to every node would time out after the instances exist. ${fix}`;
  if (s.defaultRoute?.startsWith("nat-")) return `${key}: ${s.id} is a private subnet: its route table sends 0.0.0.0/0 to NAT gateway ${s.defaultRoute}, so replies to Pulumi's SSH on the instances' public addresses would leave from the NAT gateway's address and every node's wait would time out after the instances exist. ${fix}`;
  return undefined;
}

const at = (...path: Array<string | number>) => keyPath("cloud", path);

/**
 * What EC2 would refuse, or what would leave the nodes cut off, in an existing VPC (aws.vpcId):
 * a VPC or subnet not found in the region, a subnet of another VPC (the security groups are
 * created in aws.vpcId, and EC2 refuses an instance whose subnet and groups are in different VPCs),
 * a subnet outside network.cidr (the groups let node-to-node traffic in from network.cidr only,
 * and it is what was checked against the pod and service ranges), and a private subnet
 * (privateSubnetProblem).
 */
export function existingVpcProblems(c: CloudConfig, vpc: VpcFacts, subnets: SubnetFacts[]): string[] {
  const a = c.aws;
  if (!a?.vpcId) return [];
  if (!vpc.cidrBlocks) return [`${at("aws", "vpcId")}: ${a.vpcId} was not found in region ${a.region}. Fix: copy the ID of a VPC of ${a.region} from the VPC console, or set aws.region to the VPC's region.`];
  const blocks = vpc.cidrBlocks.join(", ");
  const vpcId = a.vpcId;
  return subnets.flatMap((s, i) => {
    const key = at("aws", "subnetIds", i);
    if (!s.vpcId) return [`${key}: ${s.id} was not found in region ${a.region}. Fix: copy the ID of one of ${a.vpcId}'s subnets from the VPC console.`];
    if (s.vpcId !== a.vpcId) return [`${key}: ${s.id} belongs to ${s.vpcId}, not to aws.vpcId ${a.vpcId}; the security groups are created in ${a.vpcId} and EC2 refuses an instance whose subnet is in another VPC. Fix: use a subnet of ${a.vpcId}, or set vpcId to ${s.vpcId}.`];
    if (s.cidrBlock && !cidrContains(c.network.cidr, s.cidrBlock)) {
      return [`${at("network", "cidr")}: ${c.network.cidr} does not hold ${s.id}'s range ${s.cidrBlock}, and the security groups let node traffic in from network.cidr only. Fix: set network.cidr to the VPC's CIDR block that holds it (${a.vpcId} has ${blocks}).`];
    }
    const unreachable = privateSubnetProblem(key, s, vpcId);
    return unreachable ? [unreachable] : [];
  });
}

/** Whether an invoke failed because EC2 found nothing (the AWS provider's "no matching ... found", or "query returned no results" of older releases). */
const notFound = (e: unknown) => /no matching|not found|does not exist|returned no results/i.test(String((e as Error)?.message ?? e));

/**
 * The target of the 0.0.0.0/0 route of a subnet's route table (SubnetFacts.defaultRoute). A subnet
 * without a table of its own uses the VPC's main table, which a lookup by subnet does not find
 * (the association is implicit: aws/aws-cli#3380, cloudposse/terraform-aws-vpc-peering-multi-account#45).
 */
async function readDefaultRoute(subnetId: string, vpcId: string, region: string): Promise<string> {
  const table = await aws.ec2.getRouteTable({ subnetId, region }).catch((e: unknown) => {
    if (!notFound(e)) throw e;
    return aws.ec2.getRouteTable({ vpcId, region, filters: [{ name: "association.main", values: ["true"] }] });
  });
  const route = table.routes.find((r) => r.cidrBlock === "0.0.0.0/0");
  if (!route) return "";
  return route.gatewayId || route.natGatewayId || route.transitGatewayId || route.vpcEndpointId || route.networkInterfaceId || route.vpcPeeringConnectionId || "other";
}

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
    async (s): Promise<SubnetFacts> => ({
      id, vpcId: s.vpcId, cidrBlock: s.cidrBlock,
      // Routes only of the VPC's own subnets: another VPC's subnet is refused for that already.
      ...(s.vpcId === vpcId ? { defaultRoute: await readDefaultRoute(id, vpcId, a.region) } : {}),
    }),
    (e: unknown): SubnetFacts => { if (notFound(e)) return { id }; throw e; },
  )));
  return existingVpcProblems(c, vpc, subnets);
}
