// The hosts the stack names the API by (joins, kubeconfig) must be in k3s's serving certificate:
// with tls-san-security k3s names only tls-san entries and server Nodes' addresses (api-sans.ts).
import { missingApiSans } from "../../components/k3s/api-sans";
import { parseClusterConfig } from "../../components/k3s/settings";

const settings = (cluster: Record<string, unknown> = {}) => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", ...cluster });

describe("missingApiSans", () => {
  test("a DNS SSH address of the first server (joins and kubeconfig use it) is listed once", () => {
    expect(missingApiSans(settings(), { name: "pi-1", host: "pi-1.lan" })).toEqual(["pi-1.lan"]);
  });

  test("an SSH address that is an IP is listed while k3s picks node-ip itself", () => {
    expect(missingApiSans(settings(), { name: "s1", host: "192.168.1.11" })).toEqual(["192.168.1.11"]);
  });

  test("a host known to be in the certificate already (an existing cluster's first-server IP) is not listed", () => {
    expect(missingApiSans(settings(), { name: "s1", host: "192.168.1.11" }, undefined, ["192.168.1.11"])).toEqual([]);
    expect(missingApiSans(settings(), { name: "s1", host: "192.168.1.11" }, "lb.example.com", ["192.168.1.11"])).toEqual(["lb.example.com"]);
  });

  test("the node's own addresses and name are in the certificate already", () => {
    expect(missingApiSans(settings(), { name: "s1", host: "192.168.1.11", internalAddress: "192.168.1.11" })).toEqual([]);
    expect(missingApiSans(settings(), { name: "s1", host: "203.0.113.5", internalAddress: "10.0.0.5", externalAddress: "203.0.113.5" })).toEqual([]);
    expect(missingApiSans(settings(), { name: "pi-1", host: "PI-1" })).toEqual([]);
    expect(missingApiSans(settings(), { name: "s1", host: "2001:db8:0::5", internalAddress: "10.0.0.5,2001:db8::5" })).toEqual([]);
  });

  test("a public SSH address forwarded to a node-ip on a private network is listed (kubeconfig), the node-ip is not (joins)", () => {
    expect(missingApiSans(settings(), { name: "s1", host: "198.51.100.7", internalAddress: "10.0.0.5" })).toEqual(["198.51.100.7"]);
  });

  test("apiEndpoint, the VIP and tlsSans are in tls-san already: nothing more, and the SSH host is not named", () => {
    expect(missingApiSans(settings({ apiEndpoint: "k3s.example.com" }), { name: "s1", host: "s1.lan" })).toEqual([]);
    expect(missingApiSans(settings({ tlsSans: ["k3s.home.arpa"] }), { name: "s1", host: "10.0.0.5", internalAddress: "10.0.0.5" })).toEqual([]);
  });

  test("tlsSans names the kubeconfig, but joins still go to the SSH host when node-ip is unset", () => {
    expect(missingApiSans(settings({ tlsSans: ["k3s.home.arpa"] }), { name: "pi-1", host: "pi-1.lan" })).toEqual(["pi-1.lan"]);
  });

  test("a wildcard tls-san covers one label, as Go's certificate check matches", () => {
    expect(missingApiSans(settings({ tlsSans: ["*.k3s.lan"] }), { name: "s1", host: "s1.k3s.lan" })).toEqual([]);
    expect(missingApiSans(settings({ tlsSans: ["*.k3s.lan"] }), { name: "s1", host: "a.s1.k3s.lan" })).toEqual(["a.s1.k3s.lan"]);
  });

  test("a kubeconfig host given at run time (a load balancer) is listed", () => {
    expect(missingApiSans(settings(), { name: "s1", host: "10.0.0.5", internalAddress: "10.0.0.5" }, "lb.example.com")).toEqual(["lb.example.com"]);
  });

  test("the loopback names k3s always has need nothing (a local single node)", () => {
    expect(missingApiSans(settings(), { name: "laptop", host: "127.0.0.1" })).toEqual([]);
    expect(missingApiSans(settings(), { name: "laptop", host: "localhost" })).toEqual([]);
  });

  test("advertise-address in serverConfig is in the certificate", () => {
    expect(missingApiSans(settings({ serverConfig: { "advertise-address": "192.168.1.11" } }), { name: "s1", host: "192.168.1.11" })).toEqual([]);
  });
});
