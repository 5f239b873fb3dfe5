import { describeStackFile } from "./stack-file";

describeStackFile("Pulumi.prod.yaml", { provider: "hetzner", servers: 3, agents: 3, datastore: "etcd" });
