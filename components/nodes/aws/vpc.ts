import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CloudConfig } from "../cloud/config";

/** Where the nodes live: a VPC and its (public) subnets, created or given. */
export interface AwsPlacement {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
}

/**
 * The given VPC and subnets, or a new VPC with an internet gateway and one public subnet per
 * availability zone (nodes need outbound internet for the k3s download; inbound is the security
 * groups' job).
 */
export function awsPlacement(name: string, config: CloudConfig, tags: Record<string, string>, opts: pulumi.CustomResourceOptions): AwsPlacement {
  const a = config.aws;
  if (!a) throw new Error("aws settings missing");
  if (a.vpcId) return { vpcId: a.vpcId, subnetIds: a.subnetIds };
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: config.network.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${tags["k3s-stacks-cluster"]}` } }, opts);
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, opts);
  const routes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags }, opts);
  const subnetIds = config.network.subnets.map((cidr, i) => {
    const zone = a.availabilityZones[i];
    const subnet = new aws.ec2.Subnet(`${name}-${zone}`, { vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zone, tags: { ...tags, Name: `${tags["k3s-stacks-cluster"]}-${zone}` } }, opts);
    new aws.ec2.RouteTableAssociation(`${name}-${zone}-public`, { subnetId: subnet.id, routeTableId: routes.id }, opts);
    return subnet.id;
  });
  return { vpcId: vpc.id, subnetIds };
}
