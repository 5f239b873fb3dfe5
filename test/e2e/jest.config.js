/**
 * End-to-end suite: real SSH hosts in network namespaces, k3s stand-ins, and the Pulumi engine
 * built by toolchain/build.sh. Needs root. Run: npx jest -c test/e2e/jest.config.js
 */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true }] },
  testMatch: ["<rootDir>/test/e2e/**/*.e2e.test.ts"],
  // Hosts share one machine of 2 cores and one address range: one test file at a time.
  maxWorkers: 1,
  testTimeout: 600000,
};
