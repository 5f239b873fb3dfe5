import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { installCloudMocks, Seen, settle, valueOf } from "./cloud-mocks";
import { loadStackConfig } from "../support/stack";

/** What a stack file must produce under mocks. */
export interface StackExpectation {
  provider: "hetzner" | "aws";
  servers: number;
  agents: number;
  datastore: string;
}


function objectConfig(key: string): unknown {
  const raw = pulumi.runtime.getConfig(`k3s-stacks:${key}`);
  if (raw === undefined) throw new Error(`stack file lacks k3s-stacks:${key}`);
  return JSON.parse(raw);
}

/** Shell text the mock saw for a command's stdin, unwrapping a secret envelope. */
function stdinOf(c: Seen): string {
  const stdin = c.inputs.stdin;
  return unpackScript(typeof stdin === "string" ? stdin : String(stdin?.value ?? ""));
}

/**
 * Evaluates a stack file under mocks, as `pulumi preview` would run the program: the config parses
 * and validates, the cloud nodes build, and the k3s layer receives each node's addresses. A broken
 * stack file fails here, in CI, instead of at `pulumi up`.
 */
export function describeStackFile(file: string, expected: StackExpectation): void {
  describe(file, () => {
    let seen: Seen[];
    beforeAll(async () => {
      seen = await installCloudMocks();
      loadStackConfig(file);
    });

    test("cluster and cloud settings validate together", async () => {
      const { parseClusterConfig } = await import("../../components/k3s/settings");
      const { validateTopology } = await import("../../components/k3s/topology");
      const { parseCloudConfig } = await import("../../components/nodes/cloud");
      const { planNodes } = await import("../../components/nodes/cloud/pools");
      const cluster = parseClusterConfig(objectConfig("cluster"));
      const cloud = parseCloudConfig(objectConfig("cloud"), cluster);
      const planned = planNodes(cloud);
      expect(() => validateTopology(cluster, planned, { present: false }, "cloud.pools")).not.toThrow();
      expect(cloud.provider).toBe(expected.provider);
      expect(cluster.datastore).toBe(expected.datastore);
      expect(planned.filter((n) => n.role === "server")).toHaveLength(expected.servers);
      expect(planned.filter((n) => n.role === "agent")).toHaveLength(expected.agents);
    });

    test("its cloud nodes flow into K3sCluster with public SSH hosts and private node IPs", async () => {
      const { clusterArgs, parseClusterConfig } = await import("../../components/k3s/settings");
      const { parseCloudConfig, createCloudNodes } = await import("../../components/nodes/cloud");
      const { K3sCluster } = await import("../../components/cluster/k3s-cluster");
      const settings = parseClusterConfig(objectConfig("cluster"));
      const config = parseCloudConfig(objectConfig("cloud"), settings);
      const cloud = await createCloudNodes("cloud", { config, cluster: settings });
      const k3s = new K3sCluster("k3s", { ...clusterArgs(settings), nodes: cloud.nodes });
      await valueOf(k3s.urn);
      await valueOf(k3s.serverAddresses);
      await settle();
      for (const node of cloud.nodes) {
        const internal = await valueOf(node.internalAddress!);
        const external = await valueOf(node.externalAddress!);
        const configCommand = seen.find((s) => s.type === "command:remote:Command" && s.name === `k3s-${node.name}-config`);
        expect(configCommand).toBeDefined();
        const text = stdinOf(configCommand!);
        expect(text).toContain(internal);
        expect(text).toContain(external);
        if (node.flannelIface) expect(text).toContain(node.flannelIface);
        expect(configCommand!.inputs.connection.value.host).toBe(external);
      }
    });

    test("stacks/main.ts evaluates it", async () => {
      const { main } = await import("../../stacks/main");
      const outputs = await main();
      expect(await valueOf(outputs.serverCount as never)).toBe(expected.servers);
    });
  });
}
