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
