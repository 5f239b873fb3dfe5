/** Unit tests run under ts-jest; end-to-end tests live under test/e2e and run only when asked for. */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": "ts-jest" },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
  testTimeout: 30000,
  // Fails the run when a shell test wrote outside its sandbox (test/support/host-guard.js).
  globalSetup: "<rootDir>/test/support/host-guard-setup.js",
  globalTeardown: "<rootDir>/test/support/host-guard-teardown.js",
};
