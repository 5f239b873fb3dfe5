import { Arch } from "../types";
import { CloudOs } from "../cloud/config";

/** AMI owner accounts: Canonical for Ubuntu, the Debian cloud team for Debian. */
const CANONICAL = "099720109477";
const DEBIAN = "136693071363";

/** Filter for the newest official AMI of an OS and architecture (getAmi with mostRecent). */
export interface AmiQuery {
  owners: string[];
  namePattern: string;
  /** EC2's name for the arch: x86_64 or arm64. */
  architecture: "x86_64" | "arm64";
}

/** Official image name patterns; the arch is part of the name as well as a filter. */
export function amiQuery(os: CloudOs, arch: Arch): AmiQuery {
  if (arch === "arm") throw new Error("EC2 has no 32-bit Arm instances");
  const architecture = arch === "amd64" ? "x86_64" : "arm64";
  switch (os) {
    case "ubuntu-24.04":
      return { owners: [CANONICAL], namePattern: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-*`, architecture };
    case "ubuntu-22.04":
      return { owners: [CANONICAL], namePattern: `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-${arch}-server-*`, architecture };
    case "debian-12":
      return { owners: [DEBIAN], namePattern: `debian-12-${arch}-*`, architecture };
    case "debian-13":
      return { owners: [DEBIAN], namePattern: `debian-13-${arch}-*`, architecture };
  }
}

/** Default login user of the official images (root login is disabled on them; it has NOPASSWD sudo). */
export function amiLoginUser(os: CloudOs): string {
  return os.startsWith("ubuntu") ? "ubuntu" : "admin";
}
