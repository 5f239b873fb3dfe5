// k3s-stacks:local: node name and arch from this machine, validation, the node it yields.
import { localNodes, parseLocalConfig } from "../../components/nodes/local";
import { connectionArgs } from "../../components/remote/command";
import { problem, problemsOf } from "../support/config";

const machine = (o: Partial<{ hostname: string; arch: string; user: string }> = {}) => ({ hostname: "Laptop-7.fritz.box", arch: "x64", user: "ana", ...o });

describe("k3s-stacks:local", () => {
  test("the node name defaults to the host name's first label, lowercased; the arch to this machine's", () => {
    expect(parseLocalConfig({}, machine())).toMatchObject({ name: "laptop-7", arch: "amd64", labels: {}, taints: [] });
    expect(parseLocalConfig(undefined, machine({ arch: "arm64" })).arch).toBe("arm64");
    expect(parseLocalConfig({}, machine({ arch: "arm" })).arch).toBe("arm");
  });

  test("a host name that is no node name, and an arch k3s has no binary for, are both reported", () => {
    expect(problemsOf(() => parseLocalConfig({}, machine({ hostname: "my_box", arch: "riscv64" })))).toEqual([
      problem("k3s-stacks:local.name", "'my_box' is not a valid Kubernetes node name", "set k3s-stacks:local.name"),
      problem("k3s-stacks:local", "this machine is riscv64", "use one of those machines"),
    ]);
  });

  test("a configured name is checked like an inventory host name; typos are unknown keys", () => {
    expect(parseLocalConfig({ name: "box" }, machine({ hostname: "my_box" })).name).toBe("box");
    expect(problemsOf(() => parseLocalConfig({ name: "Box", lables: {} }, machine()))).toEqual([
      problem("k3s-stacks:local.name", "must be a lowercase DNS name", "use only a-z"),
      problem("k3s-stacks:local", "unknown key(s) 'lables'", "correct the spelling"),
    ]);
  });

  test("the node is a local server run as the current user, never rebooted, never given an SSH connection", () => {
    const [n] = localNodes(parseLocalConfig({}, machine()), { sudoPassword: "pw" }, machine());
    expect(n).toMatchObject({ name: "laptop-7", role: "server", fixCgroups: false, allowReboot: false });
    expect(n.connection).toEqual({ local: true, host: "127.0.0.1", user: "ana", sudoPassword: "pw" });
    expect(localNodes(parseLocalConfig({}, machine()), { sudoPassword: "pw" }, machine({ user: "root" }))[0].connection).not.toHaveProperty("sudoPassword");
    expect(() => connectionArgs(n.connection)).toThrow(/local node has no SSH connection/);
  });
});
