import { describeStackFile } from "./stack-file";

describeStackFile("Pulumi.dev.yaml", { provider: "hetzner", servers: 1, agents: 0, datastore: "sqlite" });
