/**
 * Shell tests run rendered node scripts on this machine against sandboxed paths. A path left out of
 * a sandbox writes the real machine's files (as root, in CI): fail the run when one of the places our
 * scripts own appears during it. globalSetup records them; globalTeardown compares.
 */
const fs = require("fs");

const OWNED = ["/var/lib/rancher", "/var/lib/k3s-stacks", "/etc/rancher", "/usr/local/bin/k3s", "/etc/modules-load.d/k3s.conf", "/etc/sysctl.d/90-k3s.conf"];
const present = () => OWNED.filter((p) => fs.existsSync(p));

module.exports.setup = async () => {
  globalThis.__hostGuardBefore = present();
};

module.exports.teardown = async () => {
  const created = present().filter((p) => !globalThis.__hostGuardBefore.includes(p));
  if (created.length) {
    throw new Error(`unit tests wrote this machine's ${created.join(", ")}. Fix: sandbox that path in the test that renders it (see test/k3s/support/host.ts HOST_PATHS), then remove it here.`);
  }
};
