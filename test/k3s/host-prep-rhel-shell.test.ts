// Host preparation for what RHEL and non-Pi hosts bring: fapolicyd, and a memory cgroup a boot
// loader turned off; in a real bash against fake tools (support/prep-host.ts).
import * as fs from "fs";
import * as path from "path";
import { LOG_CALL } from "./support/shell";
import { put } from "./support/host";
import { exists, host, read, render, run, sb } from "./support/prep-host";

describe("fapolicyd", () => {
  const RULES = "etc/fapolicyd/rules.d/80-k3s.rules";
  beforeEach(() => {
    host("rocky", "5.14.0-427.13.1.el9_4.x86_64");
    sb.fake("systemctl", `case "$*" in "is-active --quiet fapolicyd") exit 0 ;; is-enabled*|is-active*|list-unit-files*) exit 1 ;; *) ${LOG_CALL} ;; esac`);
    sb.fake("fapolicyd", "exit 0");
  });

  test("active (RHEL with the STIG): k3s's directories are allowed in rules.d, loaded and fapolicyd restarted, once", () => {
    sb.fake("fagenrules", LOG_CALL);
    const r = run(render());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(read(RULES)).toBe(`# Managed by k3s-stacks: directories k3s runs from (k3s-io/k3s#9008).
allow perm=any all : dir=/var/lib/rancher/
allow perm=any all : dir=/opt/cni/
allow perm=any all : dir=/run/k3s/
allow perm=any all : dir=/var/lib/kubelet/
`);
    const calls = sb.calls();
    expect(calls).toContain("fagenrules --load");
    expect(calls).toContain("systemctl restart fapolicyd");
    expect(run(render()).status).toBe(0);
    expect(sb.calls().filter((c) => c.includes("fapolicyd") || c.includes("fagenrules"))).toEqual([]);
  });

  test("active without fagenrules (before RHEL 8.4): fails naming the lines, before any change", () => {
    const r = run(render());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 runs fapolicyd, which keeps k3s from starting until it allows k3s's directories, and has no fagenrules to load a rules.d file. Fix: add these lines to ${sb.dir}/etc/fapolicyd/fapolicyd.rules above its deny rules, run systemctl restart fapolicyd, then pulumi up again:\n  allow perm=any all : dir=/var/lib/rancher/\n`);
    expect(exists("etc/modules-load.d")).toBe(false);
    expect(exists(RULES)).toBe(false);
  });

  test("installed but not running, or not installed: no rules written", () => {
    sb.fake("systemctl", `case "$1" in is-enabled|is-active|list-unit-files) exit 1 ;; *) ${LOG_CALL} ;; esac`);
    expect(run(render()).status).toBe(0);
    expect(exists(RULES)).toBe(false);
    fs.rmSync(path.join(sb.bin, "fapolicyd"));
    sb.fake("systemctl", `case "$1" in is-enabled|list-unit-files) exit 1 ;; esac`);
    expect(run(render()).status).toBe(0);
    expect(exists(RULES)).toBe(false);
  });
});

describe("memory cgroup off on a host without a Raspberry Pi cmdline.txt", () => {
  const noMemory = (os: string, cmdline: string) => {
    host(os, "6.1.0-28-amd64");
    put(sb, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n");
    put(sb, "proc/cmdline", cmdline);
    return run(render({ fixCgroups: true, allowReboot: true }));
  };

  test.each([
    ["debian", "remove it from GRUB_CMDLINE_LINUX_DEFAULT and GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub"],
    ["rocky", "grubby --update-kernel=ALL --remove-args=cgroup_disable=memory"],
    ["leap", "remove it from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then grub2-mkconfig -o /boot/grub2/grub.cfg"],
    ["arch", "remove it from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then grub-mkconfig -o /boot/grub/grub.cfg (or from the options line of your boot loader entry)"],
  ])("%s booted with cgroup_disable=memory: names its boot loader's command, never the Pi's arguments, and changes nothing", (os, fix) => {
    const r = noMemory(os, "root=/dev/vda1 cgroup_disable=memory quiet\n");
    expect(r.status).toBe(1);
    // Host paths in the script point into the sandbox.
    const inSandbox = fix.split("/boot/").join(`${sb.dir}/boot/`);
    expect(r.stderr).toContain(`n1 has no memory cgroup: its kernel was booted with cgroup_disable=memory. Fix: ${inSandbox}, reboot n1, then run pulumi up again.`);
    expect(r.stderr).not.toContain("cgroup_enable");
    expect(exists("etc/modules-load.d")).toBe(false);
  });

  test("MicroOS regenerates its boot config with transactional-update", () => {
    host("microos");
    sb.fake("transactional-update", LOG_CALL);
    put(sb, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n");
    put(sb, "proc/cmdline", "cgroup_disable=memory\n");
    expect(run(render()).stderr).toContain("then transactional-update grub.cfg, reboot n1");
  });

  test("nothing disables it: the kernel lacks CONFIG_MEMCG", () => {
    const r = noMemory("rocky", "root=/dev/vda1 quiet\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 has no memory cgroup, and nothing on its kernel command line disables it: the kernel was built without CONFIG_MEMCG ('zgrep MEMCG ${sb.dir}/proc/config.gz' or ${sb.dir}/boot/config-6.1.0-28-amd64). Fix: boot a kernel built with CONFIG_MEMCG=y`);
  });
});
