import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { inventoryNodes, parseInventoryConfig, readPrivateKey } from "../../components/nodes/inventory";
import { problem, problemsOf } from "../support/config";

/** A key file's text as Go's PEM reader finds a block in it (its content is never parsed here). */
const PEM_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const host = (o: Record<string, unknown> = {}) => ({ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64", ...o });

describe("k3s-stacks:inventory validation", () => {
  test("a typo in a host is an unknown key", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [{ name: "pi-1", adress: "192.168.1.11", role: "server", arch: "arm64" }] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[0].address", "is required", "set it"),
      problem("k3s-stacks:inventory.hosts[0]", "unknown key(s) 'adress'", "correct the spelling"),
    ]);
  });

  test("a typo at the top level is an unknown key", () => {
    expect(problemsOf(() => parseInventoryConfig({ usr: "pi", hosts: [host()] }))).toEqual([
      problem("k3s-stacks:inventory", "unknown key(s) 'usr'", "correct the spelling"),
    ]);
  });

  test("duplicate host names and addresses each point at the first use", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [host(), host({ address: "192.168.1.12" }), host({ name: "pi-3" })] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[1].name", "'pi-1' is also used by hosts[0]", "every host needs its own name"),
      problem("k3s-stacks:inventory.hosts[2].address", "'192.168.1.11' is also used by hosts[0]", "every host needs its own address"),
    ]);
  });

  test("the same address on another SSH port is a different host (port-forwarded VMs)", () => {
    expect(() => parseInventoryConfig({ hosts: [host({ port: 2201 }), host({ name: "pi-2", port: 2202 })] })).not.toThrow();
  });

  test.each(["riscv64", "X64"])("arch %s is refused with the supported list", (arch) => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [host({ arch })] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[0].arch", "", /"x64", "amd64", "x86_64", "arm64", "aarch64", "armhf", "arm"/),
    ]);
  });

  // What uname -m prints on machines k3s has no asset for under that name: the spelling meant
  // (armv7l → armhf), or why no spelling would do (ARMv6 and 32-bit x86 have no k3s build).
  test.each([
    ["armv7l", /'armv7l' is what uname -m prints on a 32-bit ARMv7 system.*Fix: write armhf$/],
    ["armv8l", /32-bit OS on a 64-bit Arm CPU.*Fix: write armhf, or install a 64-bit OS .* and write arm64$/],
    ["armv6l", /ARMv6 or older .*k3s-io\/k3s#2699\)\. Fix: remove the host, or use an ARMv7 or 64-bit board/],
    ["i686", /32-bit x86, for which k3s publishes no build.*Fix: install a 64-bit OS on the host and write amd64/],
  ])("arch %s as uname -m prints it gets the spelling meant, or why none fits", (arch, message) => {
    const problems = problemsOf(() => parseInventoryConfig({ hosts: [host({ arch })] }));
    expect(problems).toEqual([expect.stringMatching(/^k3s-stacks:inventory\.hosts\[0\]\.arch: /)]);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).not.toMatch(/"arm64" \(one of/);
  });

  // uname -m's names and k3s's own asset names are taken as install.sh takes them, like the airgap tool's --arch.
  test.each([["x86_64", "amd64"], ["aarch64", "arm64"], ["arm", "arm"], ["armhf", "arm"]])("arch %s is the %s asset arch", (arch, asset) => {
    expect(inventoryNodes(parseInventoryConfig({ hosts: [host({ arch })] }), {})[0].arch).toBe(asset);
  });

  test("a host without arch: arch is required, with the spellings", () => {
    const noArch: Record<string, unknown> = host();
    delete noArch.arch;
    expect(problemsOf(() => parseInventoryConfig({ hosts: [noArch] }))).toEqual([problem("k3s-stacks:inventory.hosts[0].arch", "is required", /set it to one of "x64"/)]);
  });

  test.each([["x64", "amd64"], ["amd64", "amd64"], ["arm64", "arm64"], ["aarch64", "arm64"], ["armhf", "arm"]])("arch %s becomes k3s asset arch %s", (arch, asset) => {
    const [node] = inventoryNodes(parseInventoryConfig({ hosts: [host({ arch })] }), {});
    expect(node.arch).toBe(asset);
  });

  test("bad labels and taints name the entry and the fix", () => {
    const problems = problemsOf(() => parseInventoryConfig({ hosts: [host({ labels: { "bad key!": "v", tier: "not ok!", ["x".repeat(64)]: "v" }, taints: ["dedicated", "k=v:Sometimes", "k=v:NoSchedule"] })] }));
    expect(problems).toEqual([
      problem("k3s-stacks:inventory.hosts[0].labels.bad key!", "not a valid Kubernetes label key", "rename it"),
      problem("k3s-stacks:inventory.hosts[0].labels.tier", "not a valid Kubernetes label value", "63 alphanumerics"),
      problem(`k3s-stacks:inventory.hosts[0].labels.${"x".repeat(64)}`, "not a valid Kubernetes label key", "rename it"),
      problem("k3s-stacks:inventory.hosts[0].taints[0]", "is not a taint", "key=value:Effect"),
      problem("k3s-stacks:inventory.hosts[0].taints[1]", "is not a taint", "NoSchedule, PreferNoSchedule or NoExecute"),
    ]);
  });

  test("taints must be unique by key and effect (the API server refuses the Node otherwise)", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [host({ taints: ["a=b:NoSchedule", "a=c:NoSchedule", "a=b:NoExecute"] })] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[0].taints", "has 'a=b:NoSchedule' and 'a=c:NoSchedule': a node can carry one taint per key and effect", "keep one of them"),
    ]);
  });

  test("node names must be DNS names; roles and ports are checked", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [host({ name: "Pi_1", role: "master", port: 70000 })] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[0].name", "lowercase DNS name", "a-z, 0-9"),
      problem("k3s-stacks:inventory.hosts[0].role", "", /"server", "agent"/),
      problem("k3s-stacks:inventory.hosts[0].port", "is 70000, above the maximum 65535", "65535 or less"),
    ]);
  });

  test("bastions must be inventory hosts reachable directly", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [host({ bastion: "gw" }), host({ name: "pi-2", address: "192.168.1.12", bastion: "pi-2" })] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[0].bastion", "'gw' is not a host in this inventory", "name another host"),
      problem("k3s-stacks:inventory.hosts[1].bastion", "cannot be a bastion", "reach directly"),
    ]);
  });

  // ssh -J / ProxyJump and Ansible's ansible_ssh_common_args write a jump host as [user@]host[:port].
  test.each([
    ["admin@203.0.113.5:2222", "write a jump host that is not in the inventory as a mapping, bastion: { address: 203.0.113.5, port: 2222, user: admin }"],
    ["jump.example.com", "bastion: { address: jump.example.com }"],
    ["ops@[2001:db8::5]:22", 'bastion: { address: "2001:db8::5", port: 22, user: ops }'],
    ["192.168.1.12", "name the host, bastion: pi-2"],
    ["pi-3", "name the host meant, bastion: pi-2"],
  ])("a bastion string %s that names no host gets the setting meant", (bastion, fix) => {
    const p = problemsOf(() => parseInventoryConfig({ hosts: [host({ bastion }), host({ name: "pi-2", address: "192.168.1.12" })] }));
    expect(p).toEqual([problem("k3s-stacks:inventory.hosts[0].bastion", "is not a host in this inventory", fix)]);
  });

  test("an empty or missing host list, and a list instead of a mapping", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [] }))).toEqual([problem("k3s-stacks:inventory.hosts", "lists no hosts", "role: server")]);
    expect(problemsOf(() => parseInventoryConfig({}))).toEqual([problem("k3s-stacks:inventory.hosts", "is required", "set it")]);
    expect(problemsOf(() => parseInventoryConfig([host()]))).toEqual([problem("k3s-stacks:inventory", "must be a mapping, not a list", "a mapping")]);
  });

  test("schema, duplicate and bastion problems of different hosts are reported together", () => {
    const problems = problemsOf(() => parseInventoryConfig({ hosts: [host({ arch: "mips" }), host({ adress: "x" })] }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^k3s-stacks:inventory\.hosts\[0\]\.arch: /),
      expect.stringMatching(/^k3s-stacks:inventory\.hosts\[1\]: unknown key\(s\) 'adress'/),
    ]));
  });
});

describe("inventory → NodeSpec", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-inv-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a missing private key file names the key, the path and the alternatives", () => {
    const missing = path.join(dir, "nope");
    const inv = parseInventoryConfig({ privateKeyPath: missing, hosts: [host()] });
    expect(problemsOf(() => inventoryNodes(inv, {}))).toEqual([
      problem("k3s-stacks:inventory.privateKeyPath", `cannot read ${missing} (ENOENT)`, "k3s-stacks:sshPrivateKey"),
    ]);
  });

  test("a .pub path is refused at parse time, naming the private key next to it", () => {
    expect(problemsOf(() => parseInventoryConfig({ privateKeyPath: "~/.ssh/id_ed25519.pub", hosts: [host()] }))).toEqual([
      problem("k3s-stacks:inventory.privateKeyPath", "~/.ssh/id_ed25519.pub is a public key", "write ~/.ssh/id_ed25519 (the same path without .pub)"),
    ]);
  });

  test.each([
    ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG user@host\n", "an OpenSSH public key"],
    ["-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n", "a PEM public key"],
    ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "a certificate"],
  ])("a key file that holds something else is refused: %#", (content, what) => {
    const file = path.join(dir, "authorized");
    fs.writeFileSync(file, content);
    expect(problemsOf(() => readPrivateKey(file))).toEqual([
      problem("k3s-stacks:inventory.privateKeyPath", `${file} holds ${what}, not a private key`, "BEGIN OPENSSH PRIVATE KEY"),
    ]);
  });

  test("a privateKeyPath copied with a space after it names the space, not just ENOENT", () => {
    fs.writeFileSync(path.join(dir, "id_spaced"), "KEY");
    expect(problemsOf(() => readPrivateKey(`${path.join(dir, "id_spaced")} `))).toEqual([
      problem("k3s-stacks:inventory.privateKeyPath", "has spaces around it", `write '${path.join(dir, "id_spaced")}'`),
    ]);
  });

  test("~ in privateKeyPath is the home directory", () => {
    const rel = path.relative(os.homedir(), path.join(dir, "key"));
    fs.writeFileSync(path.join(dir, "key"), PEM_KEY);
    expect(readPrivateKey(`~/${rel}`)).toBe(PEM_KEY);
  });

  test("the key file becomes a secret; the secret config key wins over the file", async () => {
    fs.writeFileSync(path.join(dir, "id"), PEM_KEY);
    const inv = parseInventoryConfig({ privateKeyPath: path.join(dir, "id"), hosts: [host()] });
    const [fromFile] = inventoryNodes(inv, {});
    expect(await pulumi.isSecret(pulumi.output(fromFile.connection.privateKey!))).toBe(true);
    const fromSecretKey = PEM_KEY.replace("\nKEY\n", "\nFROM-SECRET\n");
    const [fromSecret] = inventoryNodes(inv, { privateKey: fromSecretKey });
    expect(fromSecret.connection.privateKey).toBe(fromSecretKey);
  });

  test("inventory defaults and per-host overrides; the sudo password only for non-root users", () => {
    const inv = parseInventoryConfig({
      user: "pi",
      port: 2222,
      fixCgroups: true,
      hosts: [
        host({ labels: { tier: "edge" }, taints: ["edge:NoSchedule"], internalAddress: "10.0.0.11" }),
        host({ name: "nuc", address: "192.168.1.30", role: "agent", arch: "x64", user: "root", port: 22, fixCgroups: false, allowReboot: true }),
        host({ name: "far", address: "10.9.9.9", role: "agent", bastion: "pi-1" }),
        host({ name: "farther", address: "10.9.9.10", role: "agent", bastion: { address: "203.0.113.1", user: "jump" } }),
      ],
    });
    const [pi, nuc, far, farther] = inventoryNodes(inv, { sudoPassword: "pw" });
    expect(pi).toMatchObject({ name: "pi-1", role: "server", arch: "arm64", labels: { tier: "edge" }, taints: ["edge:NoSchedule"], internalAddress: "10.0.0.11", fixCgroups: true, allowReboot: false });
    expect(pi.connection).toMatchObject({ host: "192.168.1.11", port: 2222, user: "pi", sudoPassword: "pw" });
    expect(nuc.connection).toMatchObject({ host: "192.168.1.30", port: 22, user: "root" });
    expect(nuc.connection.sudoPassword).toBeUndefined();
    expect(nuc).toMatchObject({ fixCgroups: false, allowReboot: true, arch: "amd64" });
    expect(far.connection.bastion).toMatchObject({ host: "192.168.1.11", port: 2222, user: "pi" });
    expect(farther.connection.bastion).toMatchObject({ host: "203.0.113.1", port: 2222, user: "jump" });
  });
});
