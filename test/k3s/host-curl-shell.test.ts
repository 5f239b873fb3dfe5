// Host preparation of an embedded-etcd server makes sure curl is there: the etcd quorum guards
// (components/k3s/etcd-quorum.ts) ask etcd through it before a server is removed, replaced or
// restarted. Run in bash against the family hosts of support/prep-host.ts.
import { AGENT, SERVER, exists, host, render, run, sb } from "./support/prep-host";

/**
 * This machine has curl in /usr/bin, which every script's PATH includes (remote/shell.ts ROOT_PATH):
 * the script looks for a stand-in name instead, which only the fake package manager installs.
 */
const CURL = "k3s-test-curl";
const withoutCurl = (script: string) => {
  expect(script).toContain("command -v curl ");
  return script.split("command -v curl ").join(`command -v ${CURL} `);
};
/** A package manager that "installs" curl by putting a fake one on the PATH. */
const installsCurl = (pm: string) => sb.fake(pm, `printf "%s %s\\n" "$(basename "$0")" "$*" >> "$CALLS"
case "$*" in *"install"*curl*) printf '#!/bin/bash\\n' > "${sb.bin}/${CURL}"; chmod +x "${sb.bin}/${CURL}" ;; esac`);

test.each([["debian", "apt-get install -y -qq --no-install-recommends curl"], ["rocky", "dnf install -y -q curl"], ["leap", "zypper --non-interactive --quiet install curl"]])(
  "%s etcd server without curl: fails naming '%s' before any change; with installPackages it is installed",
  (os, cmd) => {
    host(os);
    installsCurl(cmd.split(" ")[0]);
    const r = run(withoutCurl(render({ etcdServer: true })));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 lacks curl, which an etcd server needs: k3s-stacks asks etcd through it whether the other members are healthy before it removes, replaces or restarts a server (k3s ships no etcdctl). Fix: run '${cmd}' on n1 (or set installPackages: true for this host), then run pulumi up again.`);
    expect(exists("etc/modules-load.d")).toBe(false);
    expect(sb.calls()).toEqual([]);

    const ok = run(withoutCurl(render({ etcdServer: true, installPackages: true })));
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("n1: installing curl for the etcd quorum checks");
    // Run with the lock options of renderPackageInstall, which the named command leaves out.
    const ran = sb.calls().pop() ?? "";
    expect([ran.split(" ")[0], ran.endsWith(" install -y -qq --no-install-recommends curl") || ran.endsWith("install -y -q curl") || ran.endsWith("install curl")]).toEqual([cmd.split(" ")[0], true]);
    expect(exists("etc/modules-load.d/k3s.conf")).toBe(true);
  },
);

test("a transactional host (read-only root) is told to install and reboot, not installed into a snapshot", () => {
  host("microos");
  sb.fake("transactional-update", 'printf "%s %s\\n" "$(basename "$0")" "$*" >> "$CALLS"');
  const r = run(withoutCurl(render({ etcdServer: true, installPackages: true })));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("Fix: run 'transactional-update --non-interactive pkg install curl' on n1 and reboot it ('systemctl reboot'), then run pulumi up again.");
  expect(sb.calls()).toEqual([]);
});

test("an agent, or a server of another datastore, is not asked for curl", () => {
  host("debian");
  expect(render({ network: AGENT }, "agent")).not.toContain("command -v curl ");
  expect(render({ network: { ...SERVER, etcd: false } })).not.toContain("command -v curl ");
  expect(run(render({ network: AGENT }, "agent")).status).toBe(0);
});
