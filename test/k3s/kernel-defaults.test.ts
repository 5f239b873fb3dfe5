// protect-kernel-defaults (host/kernel-defaults.ts): which nodes' kubelets run with it, as the node's
// merged config.yaml says, and what their host preparation renders. A stack that does not turn it on
// gets byte for byte the scripts it would without it: its config step's script, the record and the
// undo on removal (digests of the release that added it; the config digests since changed on purpose
// when the config step stopped restarting k3s for the SELinux drop-in, and config and prep digests when
// the iptables check came to read INPUT's policy DROP and when host preparation began naming the reboot
// for a running kernel whose modules a kernel update replaced, host/modules.ts). A changed digest is an
// update of that step on every node of every stack at upgrade: change them only on purpose.
import { createHash } from "crypto";
import { hostPrepFor, prepBody } from "../../components/k3s/host-prep";
import { renderConfigScript } from "../../components/k3s/scripts";
import { renderConfigYaml, renderNodeConfig } from "../../components/k3s/node-config";
import { renderPrepRecord, renderPrepUndo } from "../../components/k3s/host/undo";
import { renderSysctls } from "../../components/k3s/host/sysctls";
import { kubeletProtectsKernelDefaults } from "../../components/k3s/host/kernel-defaults";
import { parseClusterConfig } from "../../components/k3s/settings";
import { inventoryNodes, parseInventoryConfig } from "../../components/nodes/inventory";

const none = { server: {}, all: {}, disable: [] };
const digest = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

function stack(serverConfig: Record<string, unknown>, agentConfig: Record<string, unknown>) {
  const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", serverConfig, agentConfig });
  const nodes = inventoryNodes(parseInventoryConfig({ hosts: [
    { name: "s1", address: "10.0.0.11", role: "server", arch: "amd64" },
    { name: "a1", address: "10.0.0.21", role: "agent", arch: "arm64" },
  ] }), {});
  return nodes.map((node) => {
    const config = renderNodeConfig(settings, { name: node.name, role: node.role, bootstrap: node.role === "server", labels: node.labels, taints: node.taints, internalAddress: node.name === "s1" ? "10.0.0.11" : "10.0.0.21" }, "https://10.0.0.11:6443", none);
    const host = hostPrepFor(node, settings, none, config);
    return { name: node.name, host, config: renderConfigScript({ host, role: node.role, files: [{ path: "/etc/rancher/k3s/config.yaml", content: renderConfigYaml(config), mode: "0600" }] }) };
  });
}
const digests = (nodes: ReturnType<typeof stack>) => Object.fromEntries(nodes.flatMap((n) => [[`${n.name} config`, digest(n.config)], [`${n.name} prep`, digest(prepBody(n.host))]]));

describe("an unrelated stack's scripts are byte-identical", () => {
  test.each([
    ["no kubelet settings", {}, {}, { "s1 config": "e1eea1ab74bcf24f", "s1 prep": "e5dbcc7faaebee5e", "a1 config": "d28015358d5da28b", "a1 prep": "82edf4edade28242" }],
    ["kubelet-arg entries, protect-kernel-defaults: false", { "kubelet-arg": ["max-pods=150"] }, { "kubelet-arg": ["image-gc-high-threshold=90"], "protect-kernel-defaults": false },
      { "s1 config": "468a4f98879de13b", "s1 prep": "e5dbcc7faaebee5e", "a1 config": "cd7ec3b3dd7094f2", "a1 prep": "82edf4edade28242" }],
  ])("%s", (_, serverConfig, agentConfig, expected) => {
    expect(digests(stack(serverConfig, agentConfig))).toEqual(expected);
  });

  test("the record, the undo and the sysctl step", () => {
    expect([digest(renderPrepRecord()), digest(renderPrepUndo("s1")), digest(renderSysctls())]).toEqual(["6bcf913fb5419454", "b253f520ce39ba7a", "e36b0b70aac24cc9"]);
  });
});

describe("which kubelets protect kernel defaults", () => {
  test.each([
    [{ "protect-kernel-defaults": true }, true],
    [{ "protect-kernel-defaults": "true" }, true],
    [{ "protect-kernel-defaults": false }, false],
    [{}, false],
    // k3s passes its flag to the kubelet; a kubelet-arg entry of the same name replaces it, the last one winning.
    [{ "kubelet-arg": ["protect-kernel-defaults=true"] }, true],
    [{ "kubelet-arg": ["--protect-kernel-defaults"] }, true],
    [{ "protect-kernel-defaults": true, "kubelet-arg": ["protect-kernel-defaults=false"] }, false],
    [{ "kubelet-arg": ["protect-kernel-defaults=false"], "kubelet-arg+": ["protect-kernel-defaults=T"] }, true],
  ])("%j → %s", (config, expected) => {
    expect(kubeletProtectsKernelDefaults(config)).toBe(expected);
  });

  test("serverConfig turns it on for the servers alone; agentConfig for the agents; only their scripts carry the settings", () => {
    const [server, agent] = stack({ "protect-kernel-defaults": true }, {});
    expect(server.host.kernelDefaults).toBe(true);
    expect(agent.host.kernelDefaults).toBeUndefined();
    expect(server.config).toContain("vm.overcommit_memory = 1");
    expect(server.config).toContain("kernel.keys.root_maxbytes = 25000000");
    expect(agent.config).not.toContain("overcommit");
    expect(digest(agent.config)).toBe("d28015358d5da28b");
    const [, agent2] = stack({}, { "protect-kernel-defaults": true });
    expect(agent2.host.kernelDefaults).toBe(true);
  });

  test("the prep records the kernel settings before it writes them, and checks them after applying", () => {
    const body = prepBody({ node: "n1", fixCgroups: false, allowReboot: false, kernelDefaults: true });
    const record = body.indexOf('touch "$record/kernel-defaults"');
    const write = body.indexOf("'vm.overcommit_memory = 1'");
    const check = body.indexOf("kernel_differ=$(kernel_defaults_differ)");
    expect(record).toBeGreaterThan(body.indexOf('touch "$record/complete"'));
    expect(write).toBeGreaterThan(record);
    expect(check).toBeGreaterThan(write);
  });
});
