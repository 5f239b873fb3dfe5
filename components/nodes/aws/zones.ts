type At = (...path: Array<string | number>) => string;

/**
 * What is wrong with an availability zone name for `region`, or undefined. A zone's name is its
 * region's code followed by a letter (eu-central-1a); Local Zones and Wavelength Zones append a
 * location group (us-west-2-lax-1a, us-east-1-wl1-bos-wlz-1). A zone ID (euc1-az1) names the same
 * physical zone in every account but is not what aws_subnet's availabilityZone takes.
 * Source: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 */
export function availabilityZoneProblem(region: string, zone: string): string | undefined {
  if (zone === region) return `${zone} is the region, not one of its zones. Fix: add the zone letter, such as ${region}a.`;
  if (/^[a-z]{3,4}\d+-az\d+$/.test(zone)) return `${zone} is an availability zone ID; subnets here take the zone's name. Fix: use the name shown next to the ID in the EC2 console, such as ${region}a.`;
  if (new RegExp(`^${region}[a-z]$`).test(zone) || new RegExp(`^${region}-[a-z0-9-]*[a-z0-9]$`).test(zone)) return undefined;
  return `${zone} is not in region ${region}. Fix: use a zone such as ${region}a.`;
}

/**
 * Zone problems of `aws.availabilityZones`: each a zone of the region, each once (one subnet is
 * created per zone and named after it, so a repeated zone would be two resources of one name).
 */
export function availabilityZoneProblems(at: At, region: string, zones: string[]): string[] {
  return zones.flatMap((zone, i) => {
    const wrong = availabilityZoneProblem(region, zone);
    if (wrong) return [`${at("aws", "availabilityZones", i)}: ${wrong}`];
    const first = zones.indexOf(zone);
    return first < i ? [`${at("aws", "availabilityZones", i)}: ${zone} is listed again (also availabilityZones[${first}]); one subnet is created per zone. Fix: list each zone once, with as many network.subnets, or use another zone of ${region}.`] : [];
  });
}

/** `n` /24 subnets of an IPv4 `cidr` of /16 to /23 for a fix (10.0.1.0/24, 10.0.2.0/24, ...); a placeholder else. */
function exampleSubnets(cidr: string, n: number): string {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+\/(\d+)$/.exec(cidr);
  const fits = m !== null && Number(m[3]) >= 16 && Number(m[3]) <= 23 && n < 2 ** (24 - Number(m[3]));
  return Array.from({ length: Math.max(n, 1) }, (_, i) => (fits ? `${m[1]}.${m[2]}.${i + 1}.0/24` : `<subnet ${i + 1} inside network.cidr>`)).join(", ");
}

/**
 * A created VPC gets one subnet per zone: `network.subnets[i]` in `aws.availabilityZones[i]`. A list
 * left out (or empty) is reported under its own key, with entries to match the other list.
 */
export function zoneSubnetProblems(at: At, region: string, zones: string[], subnets: string[], cidr: string): string[] {
  const letters = (n: number) => Array.from({ length: Math.max(n, 1) }, (_, i) => `${region}${String.fromCharCode(97 + (i % 26))}`).join(", ");
  const problems: string[] = [];
  if (zones.length === 0) {
    problems.push(`${at("aws", "availabilityZones")}: is required without aws.vpcId: the VPC created gets one subnet per zone, network.subnets[i] in availabilityZones[i]. Fix: list ${subnets.length > 1 ? `${subnets.length} zones of ${region}, one per network.subnets entry` : `a zone of ${region}`}, such as availabilityZones: [${letters(subnets.length)}].`);
  }
  if (subnets.length === 0) {
    problems.push(`${at("network", "subnets")}: is required without aws.vpcId: the VPC created gets one subnet per availability zone, network.subnets[i] in aws.availabilityZones[i]. Fix: list ${zones.length > 1 ? `${zones.length} subnets inside network.cidr, one per zone` : "a subnet inside network.cidr"}, such as subnets: [${exampleSubnets(cidr, zones.length)}].`);
  }
  if (zones.length > 0 && subnets.length > 0 && zones.length !== subnets.length) {
    problems.push(`${at("network", "subnets")}: we create one subnet per availability zone, so subnets and aws.availabilityZones need the same length; got ${subnets.length} and ${zones.length}. Fix: e.g. subnets: [${exampleSubnets(cidr, zones.length)}] with availabilityZones: [${zones.join(", ")}].`);
  }
  return problems;
}
