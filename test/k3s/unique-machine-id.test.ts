// A Node whose machine ID another Node reports (two machines booting copies of one disk) fails its
// membership step, run against a stand-in `k3s kubectl` (not real k3s).
import { renderUniqueMachineId } from "../../components/k3s/unique-machine-id";
import { renderUniqueNodeIp } from "../../components/k3s/unique-node-ip";
import { runWithNodeTable } from "./support/node-table";

const ID = "1c4ad377574c4263adbb7c624b6a3429";

/** Runs the check for `node` against Nodes with these machine IDs (undefined: the API does not answer). */
const check = (node: string, nodes: Record<string, string> | undefined) =>
  runWithNodeTable(renderUniqueMachineId(node), nodes && Object.entries(nodes).map(([name, machine], i) => ({ name, machine, ips: `10.0.0.${i + 1}`, version: "v1.36.3+k3s1" })));

test("a node booting a copy of another node's disk fails naming both, the machine ID and the command that gives it its own", () => {
  const r = check("pi-2", { "pi-1": ID, "pi-2": ID, "pi-3": "9989a26f06984d6dbadc01770f018e3b" });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^k3s-stacks: node pi-2 reports machine ID ${ID} \\(/etc/machine-id\\), which node pi-1 reports too: .*cloned SD card.*flannel\\.1 get one MAC.*Fix: on pi-2, run 'rm -f /etc/machine-id /var/lib/dbus/machine-id && systemd-machine-id-setup' and reboot it, then run pulumi up again\\.\\n$`));
});

test("distinct machine IDs pass; so do the first node alone, a Node with no machine ID and an API that does not answer", () => {
  expect(check("pi-2", { "pi-1": ID, "pi-2": "9989a26f06984d6dbadc01770f018e3b" }).stdout).toBe("passed\n");
  expect(check("pi-1", { "pi-1": ID }).stdout).toBe("passed\n");
  expect(check("pi-2", { "pi-1": "", "pi-2": "" }).stdout).toBe("passed\n");
  expect(check("pi-1", undefined).stdout).toBe("passed\n");
});

test("the machine ID field does not shift the InternalIP check's reading of the table", () => {
  const nodes = [{ name: "s1", machine: ID, ips: "10.0.0.1" }, { name: "a1", machine: "9989a26f06984d6dbadc01770f018e3b", ips: "10.0.0.1" }];
  expect(runWithNodeTable(renderUniqueNodeIp("a1"), nodes).stderr).toMatch(/InternalIP 10\.0\.0\.1, which node s1 has too/);
});
