import { awsInstanceArch } from "../aws/instance-types";
import { HETZNER_SERVER_TYPES, RETIRED_HETZNER_TYPES } from "../hetzner/server-types";
import { CloudConfig } from "./config";
import { nearest } from "../../rules/nearest";

/**
 * EC2 sizes, the part after the dot: nano to xlarge, <n>xlarge, metal and metal-<n>xl
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html). A size outside
 * them is a typo the EC2 API refuses only after the VPC, subnets and security groups exist.
 */
const AWS_SIZE = /^(nano|micro|small|medium|large|([1-9]\d*)?xlarge|metal(-[1-9]\d*xl)?)$/;
const AWS_SIZE_WORDS = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"];

const hetznerType = (type: string) => HETZNER_SERVER_TYPES[type] !== undefined || RETIRED_HETZNER_TYPES[type] !== undefined;

/**
 * What is wrong with a pool's `type` as a name the provider takes, or undefined. Both APIs name
 * types in lowercase (Hetzner `cx23`, https://docs.hetzner.cloud/#server-types; EC2 `t3.medium`,
 * family.size, https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html), and
 * a type of the other provider is a pasted example: caught here instead of by the API after the
 * network and firewalls exist. An unknown lowercase name passes (the pool then sets its arch).
 */
export function typeNameProblem(provider: CloudConfig["provider"], type: string): string | undefined {
  const lower = type.toLowerCase();
  if (provider === "hetzner") {
    if (lower.includes(".") && awsInstanceArch(lower)) return `${type} is an EC2 instance type, but provider is hetzner. Fix: use a Hetzner server type such as cx23 (x86) or cax11 (arm64), or set provider: aws.`;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(type)) return `'${type}' is not a Hetzner server type name: they are lowercase letters and digits. Fix: write ${/^[a-z0-9][a-z0-9-]*$/.test(lower) ? lower : "a type such as cx23"}.`;
    return undefined;
  }
  if (hetznerType(lower)) return `${type} is a Hetzner server type, but provider is aws. Fix: use an EC2 instance type such as t3.medium (x86) or t4g.medium (arm64), or set provider: hetzner.`;
  if (!/^[a-z0-9-]+\.[a-z0-9-]+$/.test(type)) {
    const fix = /^[a-z0-9-]+\.[a-z0-9-]+$/.test(lower) ? lower : "a type such as t3.medium";
    return `'${type}' is not an EC2 instance type name: they are lowercase <family>.<size>. Fix: write ${fix}.`;
  }
  const [family, size] = type.split(".");
  // Every EC2 family names its generation with a digit (t3, m7g, a1, u-6tb1, mac2).
  if (!/\d/.test(family)) return `'${type}' is not an EC2 instance type: its family '${family}' has no generation number. Fix: write a family with its generation, such as t3.${size} or m7g.${size}.`;
  if (!AWS_SIZE.test(size)) {
    const near = nearest(size, AWS_SIZE_WORDS);
    return `'${type}' is not an EC2 instance type: '${size}' is not an EC2 size (nano, micro, small, medium, large, xlarge, <n>xlarge, metal). Fix: write ${family}.${near ?? "large"}.`;
  }
  return undefined;
}

/**
 * What is wrong with a custom image ID for the provider, or undefined. EC2 takes an AMI ID,
 * `ami-` and 8 or 17 hex digits (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html);
 * Hetzner takes an image's numeric ID or a system image name such as ubuntu-24.04, never an AMI.
 */
export function imageIdProblem(provider: CloudConfig["provider"], id: string): string | undefined {
  if (provider === "aws") {
    return /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id) ? undefined : `'${id}' is not an AMI ID (ami- and 8 or 17 hex digits). Fix: copy the AMI ID of the region's image from the EC2 console, such as ami-0a1b2c3d4e5f67890, or remove image to use os.`;
  }
  if (/^ami-/i.test(id)) return `'${id}' is an AWS AMI ID, but provider is hetzner. Fix: use the ID of a Hetzner snapshot (hcloud image list --type snapshot), or remove image to use os.`;
  return /^(\d+|[a-z0-9][a-z0-9._-]*)$/.test(id) ? undefined : `'${id}' is neither a Hetzner image ID nor an image name. Fix: use a snapshot's numeric ID (hcloud image list --type snapshot) or a lowercase system image name such as ubuntu-24.04.`;
}
