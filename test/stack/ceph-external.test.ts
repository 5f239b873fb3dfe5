// An existing Ceph cluster through Rook's external mode, via stacks/main.ts under mocks: its monitor
// addresses and keys reach the cluster only as secrets.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { SENTINEL, StackRun, arrivedSecret, plainStrings, runStack, unwrap } from "./support/harness";

const KEY = "AQDm5F5oxUaDAxAA2Hu3jWzG+zd9NJyd/WAhtg==";
const MON = "10.77.0.5:6789";
let run: StackRun;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" },
      "k3s-stacks:inventory": { user: "root", hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "arm64" }, { name: "a1", address: "192.168.1.21", role: "agent", arch: "arm64" }] },
      "k3s-stacks:addons": { storage: { type: "rook-ceph", external: { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "k8s", cephfs: { filesystem: "fs", dataPool: "fs-data" } } } },
    },
    {
      "k3s-stacks:sshPrivateKey": SENTINEL.privateKey,
      "k3s-stacks:cephExternal": JSON.stringify({ monitors: [MON], userKey: KEY, rbdNodeKey: KEY, rbdProvisionerKey: KEY, cephfsNodeKey: KEY, cephfsProvisionerKey: KEY }),
    },
  );
});

test("the keys and monitor addresses appear in no plain input", () => {
  for (const r of run.state.resources) {
    for (const { path, value } of plainStrings(r.inputs)) {
      expect({ at: `${r.name}${path}`, key: value.includes(KEY), mon: value.includes(MON) }).toEqual({ at: `${r.name}${path}`, key: false, mon: false });
    }
  }
});

test("they reach the cluster as the secret Secrets and mon endpoints Rook reads", () => {
  const secret = run.state.byName("addons-rook-ceph-mon");
  expect(arrivedSecret(secret.inputs.stringData)).toBe(true);
  expect(unwrap(secret.inputs.stringData)).toMatchObject({ "ceph-secret": KEY, "ceph-username": "client.healthchecker" });
  const endpoints = run.state.byName("addons-rook-ceph-mon-endpoints");
  expect(arrivedSecret(endpoints.inputs.data)).toBe(true);
  expect(unwrap(endpoints.inputs.data)).toMatchObject({ data: `a=${MON}` });
});

test("no OSD, no cleanup of the external cluster; block and CephFS classes, block the default", () => {
  const names = run.state.resources.map((r) => r.name);
  expect(names).not.toContain("addons-rook-ceph-cleanup");
  const classes = run.state.byType("kubernetes:storage.k8s.io/v1:StorageClass").map((r) => unwrap(r.inputs) as { metadata: { name: string; annotations?: Record<string, string> }; provisioner: string });
  expect(classes.map((c) => [c.metadata.name, c.provisioner, c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"]]).sort()).toEqual([
    ["ceph-block", "rook-ceph.rbd.csi.ceph.com", "true"],
    ["ceph-filesystem", "rook-ceph.cephfs.csi.ceph.com", undefined],
  ]);
  expect(run.outputs.storageClass).toBeDefined();
});
