// The Tailscale VPN k3s joins at start (vpn-auth, vpn-auth-file), checked on the node in a real bash (host/vpn.ts).
import * as path from "path";
import { nodeVpnOf } from "../../components/k3s/host/vpn";
import { exists, host, render, run, sb } from "./support/prep-host";
import { put } from "./support/host";

beforeEach(() => host("debian"));

test("without the tailscale command the run fails naming it, before any change", () => {
  const r = run(render({ vpn: {} }), { PATH: `${sb.bin}:/usr/bin:/bin` });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("n1: k3s is set to join a Tailscale network (vpn-auth), which it does with the node's own tailscale command, but n1 has none; k3s would not start. Fix: install Tailscale on n1");
  expect(exists("etc/modules-load.d")).toBe(false);
});

test("a vpn-auth-file missing or empty on the node fails naming the file; with it and tailscale the run passes", () => {
  sb.fake("tailscale", "exit 0");
  const file = path.join(sb.dir, "etc/rancher/k3s/vpn-auth");
  const missing = run(render({ vpn: { file } }));
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain(`n1: vpn-auth-file ${file} is missing or empty; k3s reads the VPN's name and join key from it at start`);
  expect(missing.stderr).toContain(`Fix: write name=tailscale,joinKey=<auth key> to ${file} on n1 (mode 0600, owned by root)`);
  put(sb, "etc/rancher/k3s/vpn-auth", "name=tailscale,joinKey=tskey-auth-x\n");
  const ok = run(render({ vpn: { file } }));
  expect(ok.stderr).toBe("");
  expect(ok.status).toBe(0);
});

test("nodeVpnOf reads vpn-auth-file or vpn-auth from the node's config.yaml keys", () => {
  expect(nodeVpnOf({ "vpn-auth-file": "/etc/rancher/k3s/vpn-auth" })).toEqual({ file: "/etc/rancher/k3s/vpn-auth" });
  expect(nodeVpnOf({ "vpn-auth": "name=tailscale,joinKey=x" })).toEqual({});
  expect(nodeVpnOf({ "node-name": "n1" })).toBeUndefined();
});
