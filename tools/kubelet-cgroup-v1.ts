/**
 * Whether the server of a stack runs a kubelet that refuses a host booted with cgroup v1, for
 * scripts/up.sh's warning before it asks to install: `ts-node --swc
 * tools/kubelet-cgroup-v1.ts Pulumi.local.yaml` prints `refuses` or `accepts`. The stack file is read
 * as YAML, so a commented-out line or another key's value is no setting; the server's kubelet-arg
 * entries are those the program writes (components/k3s/node-config.ts serverUserConfig). Exits 2 when
 * the file cannot be read as YAML: `pulumi up` then names the problem itself.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { kubeletRefusesCgroupV1 } from "../components/k3s/host/cgroup-v1";
import { serverUserConfig } from "../components/k3s/node-config";

/** A mapping as written, else empty: the program's own checks report a wrong shape, not this one. */
const mapping = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function main(argv: string[]): number {
  const [file] = argv;
  if (!file) {
    console.error("usage: ts-node --swc tools/kubelet-cgroup-v1.ts Pulumi.<stack>.yaml");
    return 2;
  }
  let cluster: Record<string, unknown>;
  try {
    cluster = mapping(mapping(mapping(parse(fs.readFileSync(file, "utf8"))).config)["k3s-stacks:cluster"]);
  } catch (e) {
    console.error(`kubelet-cgroup-v1: ${file}: ${(e as Error).message}`);
    return 2;
  }
  const version = typeof cluster.k3sVersion === "string" ? cluster.k3sVersion : "";
  const config = serverUserConfig(mapping(cluster.agentConfig), mapping(cluster.serverConfig));
  console.log(kubeletRefusesCgroupV1(version, config) ? "refuses" : "accepts");
  return 0;
}

process.exit(main(process.argv.slice(2)));
