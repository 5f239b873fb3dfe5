// Host preparation waits for a running cloud-init before anything else, in a real bash against a fake
// cloud-init that answers `status` as cloud-init does (test/k3s/support/prep-host.ts).
import { CLOUD_INIT_TIMEOUT } from "../../components/nodes/cloud/cloud-init";
import { LOG_CALL } from "./support/shell";
import { exists, host, render, run, sb } from "./support/prep-host";

/**
 * A cloud-init whose `status` prints "status: $1" and whose `status --wait` exits $2 (after noting
 * whether host preparation had already written anything, which it must not have).
 */
function cloudInit(state: string, waitExit = 0, waitBody = ""): void {
  sb.fake("cloud-init", `${LOG_CALL}
if [ "$2" = --wait ]; then
  if [ -e "${sb.dir}/etc/modules-load.d" ]; then echo "prepared before cloud-init finished" >&2; fi
  ${waitBody}
  exit ${waitExit}
fi
echo "status: ${state}"`);
}

test("a host without cloud-init is prepared as before, without waiting", () => {
  host("ubuntu");
  const r = run(render());
  expect(r).toMatchObject({ status: 0, stderr: "" });
  expect(r.stdout).not.toContain("cloud-init");
});

test.each(["done", "disabled", "error", "degraded done"])("cloud-init already '%s': no wait", (state) => {
  host("ubuntu");
  cloudInit(state);
  const r = run(render());
  expect(r).toMatchObject({ status: 0, stderr: "" });
  expect(sb.calls().filter((c) => c.startsWith("cloud-init"))).toEqual(["cloud-init status"]);
});

test.each([[0, ""], [2, ""], [1, "k3s-stacks: n1: warning: cloud-init finished with errors (cloud-init status exit 1); preparing the host anyway. See 'cloud-init status --long' and /var/log/cloud-init-output.log on n1."]])(
  "a running cloud-init is waited for before anything changes; exit %i (0 done, 2 degraded, 1 error: finished all the same) goes on",
  (code, warning) => {
    host("ubuntu");
    cloudInit("running", code);
    const r = run(render());
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(warning ? `${warning}\n` : "");
    expect(r.stdout).toContain(`k3s-stacks: n1: cloud-init is running; waiting up to ${CLOUD_INIT_TIMEOUT}s for it to finish`);
    expect(sb.calls().filter((c) => c.startsWith("cloud-init"))).toEqual(["cloud-init status", "cloud-init status --wait"]);
    expect(exists("etc/modules-load.d/k3s.conf")).toBe(true);
  },
);

test("a cloud-init still running at the bound fails naming the node and where to look, before any change", () => {
  host("ubuntu");
  cloudInit("running", 0, "sleep 30");
  // The bound lowered from CLOUD_INIT_TIMEOUT seconds to 1 for the test.
  const r = run(render().split(`timeout ${CLOUD_INIT_TIMEOUT} cloud-init`).join("timeout 1 cloud-init"));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`k3s-stacks: n1: cloud-init is still running after ${CLOUD_INIT_TIMEOUT}s, and preparing the host now would race its package installs. Fix: see 'cloud-init status --long' and /var/log/cloud-init-output.log on n1; once it is done, run pulumi up again.`);
  expect(exists("etc/modules-load.d")).toBe(false);
});

test("'not started' ('not run' before 24.1) waits only while systemd still boots: after boot cloud-init will not run, and --wait would never end", () => {
  for (const state of ["not started", "not run"]) {
    host("ubuntu");
    cloudInit(state);
    const booted = run(render());
    expect(booted).toMatchObject({ status: 0, stderr: "" });
    expect(sb.calls().filter((c) => c.startsWith("cloud-init"))).toEqual(["cloud-init status"]);
    sb.fake("systemctl", `case "$1" in is-system-running) echo starting; exit 1 ;; is-enabled|is-active|list-unit-files) exit 1 ;; *) ${LOG_CALL} ;; esac`);
    const booting = run(render());
    expect(booting.status).toBe(0);
    expect(booting.stdout).toContain(`k3s-stacks: n1: cloud-init is ${state}; waiting up to`);
    expect(sb.calls().filter((c) => c.startsWith("cloud-init"))).toEqual(["cloud-init status", "cloud-init status --wait"]);
    sb.cleanup();
  }
});
