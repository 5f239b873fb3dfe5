import { ConfigError } from "../../components/rules/errors";
import { PlannedAddress, checkAddressMoves } from "../../components/day-two/addresses";

const at = (host: string, port = 22, bastion?: string) => ({ host, port, user: "root", ...(bastion ? { bastion: { host: bastion, port: 22, user: "root" } } : {}) });
const node = (name: string, host: string, port?: number, bastion?: string): PlannedAddress => ({ name, connection: { host, port, ...(bastion ? { bastion: { host: bastion } } : {}) } });
const problems = (...args: Parameters<typeof checkAddressMoves>): string[] => {
  try {
    checkAddressMoves(...args);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

const PREVIOUS = { s1: at("192.168.1.11"), "pi-zero": at("192.168.1.20"), nuc: at("192.168.1.30") };

describe("checkAddressMoves: a node name never moves onto a machine installed under another name", () => {
  it("refuses a rename in one update (a new name at a removed node's address), with the two-update fix", () => {
    const found = problems(PREVIOUS, [node("s1", "192.168.1.11"), node("pi-edge", "192.168.1.20"), node("nuc", "192.168.1.30")], []);
    expect(found).toEqual([expect.stringMatching(/^k3s-stacks:inventory: 'pi-edge' is new at 192\.168\.1\.20, where the last update installed k3s as 'pi-zero', which is no longer listed\..*removing k3s from the machine now called 'pi-edge'\. Fix: remove the old entry in one up, add the new name in the next/)]);
  });

  it("refuses two hosts swapping addresses, naming both", () => {
    const found = problems(PREVIOUS, [node("s1", "192.168.1.11"), node("pi-zero", "192.168.1.30"), node("nuc", "192.168.1.20")], []);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^k3s-stacks:inventory: 'pi-zero' is now at 192\.168\.1\.30, where the last update installed k3s as 'nuc' \(now at 192\.168\.1\.20\)\..* Fix: put the addresses back/);
    expect(found[1]).toMatch(/'nuc' is now at 192\.168\.1\.20, where the last update installed k3s as 'pi-zero'/);
  });

  it("refuses an address moved to another existing name while its old owner moved elsewhere", () => {
    expect(problems(PREVIOUS, [node("s1", "192.168.1.11"), node("pi-zero", "192.168.1.40"), node("nuc", "192.168.1.20")], [])).toHaveLength(1);
  });

  it("tells endpoints apart by port and bastion (hosts behind one NAT address)", () => {
    const previous = { a: at("203.0.113.1", 2201), b: at("10.0.0.5", 22, "203.0.113.9") };
    expect(problems(previous, [node("a", "203.0.113.1", 2201), node("c", "203.0.113.1", 2202), node("d", "10.0.0.5")], [])).toEqual([]);
    expect(problems(previous, [node("a", "203.0.113.1", 2201), node("c", "10.0.0.5", 22, "203.0.113.9")], [])).toEqual([
      expect.stringContaining("'c' is new at 10.0.0.5 (through 203.0.113.9), where the last update installed k3s as 'b'"),
    ]);
  });

  it("knows a machine written another way: IPv6 spelling, brackets, host-name case and trailing dot, for the bastion too", () => {
    const previous = { "pi-zero": at("fd01::20"), nas: at("NAS.lan"), edge: at("10.0.0.7", 22, "gw.lan") };
    expect(problems(previous, [node("pi-edge", "fd01:0::20")], [])).toEqual([expect.stringContaining("'pi-edge' is new at fd01:0::20, where the last update installed k3s as 'pi-zero'")]);
    expect(problems(previous, [node("pi-edge", "[fd01::20]")], [])).toHaveLength(1);
    expect(problems(previous, [node("store", "nas.lan.")], [])).toEqual([expect.stringContaining("installed k3s as 'nas'")]);
    expect(problems(previous, [node("edge2", "10.0.0.7", 22, "GW.lan")], [])).toEqual([expect.stringContaining("installed k3s as 'edge'")]);
    // The same node respelled is not a move.
    expect(problems(previous, [node("pi-zero", "fd01:0:0::20"), node("nas", "nas.lan"), node("edge", "10.0.0.7", 22, "gw.lan.")], [])).toEqual([]);
  });

  it("accepts unchanged nodes, new nodes at new addresses, a node moved to a free address, and a removal", () => {
    expect(problems(PREVIOUS, [node("s1", "192.168.1.11"), node("pi-zero", "192.168.1.21"), node("a9", "192.168.1.99")], [])).toEqual([]);
  });

  it("does not refuse a new name at the address of a host marked gone (nothing dials it; the node-name guard still checks the machine)", () => {
    expect(problems(PREVIOUS, [node("s1", "192.168.1.11"), node("pi-edge", "192.168.1.20"), node("nuc", "192.168.1.30")], ["pi-zero"])).toEqual([]);
  });

  it("does not check a stack whose last update exported no nodeAddresses, local nodes or cloud VMs without an address yet", () => {
    expect(problems(undefined, [node("pi-edge", "192.168.1.20")], [])).toEqual([]);
    expect(problems(PREVIOUS, [{ name: "x", connection: { host: "192.168.1.20", local: true } }, { name: "vm", connection: {} }], [])).toEqual([]);
  });
});
