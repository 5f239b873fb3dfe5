// The SDK's cost for the program's own resource graph: every registration the program made (its
// type, name, parent and dependencies, custom or component), replayed with one-line inputs and no
// code of ours. bench/cluster-eval.ts prints the program against it beside the plain floor (a chain
// of commands per node): the plain floor leaves out what the SDK spends on the graph itself
// (resolving each dependsOn's URN, component children, registerOutputs), which any program with
// these parents and dependencies pays.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";

/** One registration as the mock monitor received it. */
export interface GraphNode {
  type: string;
  name: string;
  custom: boolean;
  urn: string;
  parent: string;
  dependencies: string[];
}

/** The part of a RegisterResourceRequest (and its response) this reads. */
interface Request {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getDependenciesList(): string[];
}
type Callback = (err: unknown, res?: { getUrn(): string }) => void;
interface Monitor {
  registerResource(req: Request, cb: Callback): unknown;
}

/**
 * Records every registration that reaches the mock monitor, in the order the requests arrive (a
 * resource's parent and dependencies arrive before it: the SDK waits for their URNs). Call after
 * pulumi.runtime.setMocks; the array fills as the program runs.
 */
export function recordGraph(): GraphNode[] {
  const graph: GraphNode[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const node: GraphNode = { type: req.getType(), name: req.getName(), custom: req.getCustom(), urn: "", parent: req.getParent(), dependencies: req.getDependenciesList() };
    graph.push(node);
    return register(req, (err, res) => {
      if (res) node.urn = res.getUrn();
      cb(err, res);
    });
  };
  return graph;
}

/** A component that registers its (empty) outputs, as every component of the program does. */
class Replayed extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

/**
 * Registers `graph` again: a component for each component (same type, name and parent, outputs
 * registered), a remote.Command with the plain floor's inputs for each custom resource, each with
 * the recorded parent and dependencies as dependsOn. Resolves once every registration is made.
 */
export async function replayGraph(graph: GraphNode[]): Promise<void> {
  const command = await import("@pulumi/command");
  const byUrn = new Map<string, pulumi.Resource>();
  for (const node of graph) {
    const parent = byUrn.get(node.parent);
    const dependsOn = node.dependencies.flatMap((urn) => byUrn.get(urn) ?? []);
    let resource: pulumi.Resource;
    if (node.custom) {
      resource = new command.remote.Command(node.name, { connection: { host: "h", privateKey: pulumi.secret("k") }, create: "bash -s", stdin: "true" }, { parent, dependsOn });
    } else {
      resource = new Replayed(node.type, node.name, { parent, dependsOn });
    }
    byUrn.set(node.urn, resource);
  }
}

export function writeGraph(file: string, graph: GraphNode[]): void {
  fs.writeFileSync(file, JSON.stringify(graph));
}

export function readGraph(file: string): GraphNode[] {
  return JSON.parse(fs.readFileSync(file, "utf8")) as GraphNode[];
}
