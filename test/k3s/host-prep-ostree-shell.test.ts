// Host preparation on rpm-ostree systems (Fedora CoreOS and IoT, RHEL for Edge): /usr is read-only, so
// dnf cannot install there; a package goes into the next deployment with rpm-ostree and runs from the
// next boot, as on SUSE's transactional systems. Real bash against fake tools (support/host.ts).
import { LOG_CALL } from "./support/shell";
import { put } from "./support/host";
import { exists, host, render, run, sb } from "./support/prep-host";

const FCOS_KERNEL = "6.11.6-300.fc41.x86_64";
const PKG = `kernel-modules-extra-${FCOS_KERNEL}`;

/** An ostree-booted host: dnf is there (Fedora CoreOS 41 ships dnf5) but fails on the read-only /usr. */
function ostreeHost(os: string, kernel = FCOS_KERNEL, rpmOstree = true): void {
  host(os, kernel);
  put(sb, "run/ostree-booted", "");
  sb.fake("dnf", `${LOG_CALL}\necho "Error: this system's /usr is read-only" >&2; exit 1`);
  sb.fake("yum", `${LOG_CALL}\nexit 1`);
  if (rpmOstree) sb.fake("rpm-ostree", LOG_CALL);
}

/** systemctl on a node where `unit` runs. */
const running = (unit: string) =>
  sb.fake("systemctl", `case "$1" in is-active) if [ "$2" = ${unit} ]; then echo active; else echo inactive; exit 3; fi ;; is-enabled|list-unit-files) exit 1 ;; *) ${LOG_CALL} ;; esac`);

describe.each(["fcos", "r4e"])("%s without vxlan", (os) => {
  test("fails before any change naming the rpm-ostree command and the reboot, never dnf", () => {
    ostreeHost(os);
    const r = run(render(), { MISSING_MODULES: "vxlan" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 lacks kernel modules vxlan (kernel ${FCOS_KERNEL}), which k3s needs. Fix: run 'rpm-ostree install --idempotent -y ${PKG}' on n1 and reboot it ('systemctl reboot') (or set installPackages: true for this host), then run pulumi up again.`);
    expect(sb.calls()).toEqual([]);
    expect(exists("etc/modules-load.d")).toBe(false);
  });

  test("installPackages: the package goes into the next deployment with rpm-ostree, and the run asks for the reboot", () => {
    ostreeHost(os);
    const r = run(render({ installPackages: true }), { MISSING_MODULES: "vxlan" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1: ${PKG} is in a new deployment, which runs from the next boot. Fix: reboot n1 ('systemctl reboot', or set allowReboot: true for this host), then run pulumi up again.`);
    expect(sb.calls()).toEqual([`rpm-ostree install --idempotent -y ${PKG}`]);
    expect(exists("etc/modules-load.d")).toBe(false);
  });
});

test("allowReboot: a node where k3s runs is never rebooted from here; one without k3s reboots into the new deployment", () => {
  ostreeHost("fcos");
  running("k3s-agent");
  const busy = run(render({ installPackages: true, allowReboot: true }), { MISSING_MODULES: "vxlan" });
  expect(busy.status).toBe(1);
  expect(busy.stderr).toContain(`n1: ${PKG} is in a new deployment, which runs from the next boot; k3s runs on n1, so it is not rebooted from here (host preparation runs on every node at once). Fix: drain and reboot n1, one node at a time, then run pulumi up again.`);
  expect(sb.calls().filter((c) => c.includes("reboot") && !c.startsWith("rpm-ostree"))).toEqual([]);

  running("no-k3s-unit");
  const now = run(render({ installPackages: true, allowReboot: true }), { MISSING_MODULES: "vxlan" });
  expect(now.status).toBe(1);
  expect(now.stderr).toContain(`n1: ${PKG} is in a new deployment; n1 reboots now to run it. Fix: run pulumi up again once it is back.`);
});

test("an ostree image without rpm-ostree cannot take a package: fails naming the package to build into the image", () => {
  ostreeHost("fcos", FCOS_KERNEL, false);
  const r = run(render({ installPackages: true, allowReboot: true }), { MISSING_MODULES: "vxlan" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`n1 lacks kernel modules vxlan (kernel ${FCOS_KERNEL}), which k3s needs; it boots an ostree image (${sb.dir}/run/ostree-booted) whose /usr is read-only, and has no rpm-ostree to add a package to it. Fix: build ${PKG} into n1's image, boot it, then run pulumi up again.`);
  expect(sb.calls()).toEqual([]);
});

test("all modules present: prepared as usual, nothing installed", () => {
  ostreeHost("fcos");
  const r = run(render());
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout.split("\n")[0]).toContain("fedora 41 (family rhel)");
  expect(sb.calls().filter((c) => /^(rpm-ostree|dnf|yum) /.test(c))).toEqual([]);
});

test("booted with cgroup_disable=memory: the kernel arguments change with rpm-ostree kargs, not grubby", () => {
  ostreeHost("fcos");
  put(sb, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n");
  put(sb, "proc/cmdline", "root=UUID=x cgroup_disable=memory\n");
  const r = run(render());
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("its kernel was booted with cgroup_disable=memory. Fix: rpm-ostree kargs --delete=cgroup_disable=memory, reboot n1, then run pulumi up again.");
});
