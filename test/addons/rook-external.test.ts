import { parseAddonsConfig } from "../../components/addons/config";
import { externalObjectShapes, externalObjects, monEndpoints, parseCephExternalSecrets } from "../../components/addons/rook-external";
import { problem, problemsOf } from "../support/config";

const KEY = "AQDm5F5oxUaDAxAA2Hu3jWzG+zd9NJyd/WAhtg==";
const storage = (external: object = { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "k8s" }) => {
  const s = parseAddonsConfig({ storage: { type: "rook-ceph", external } }).storage;
  if (s.type !== "rook-ceph") throw new Error("not rook");
  return s;
};
const secrets = { monitors: ["10.0.0.5:6789", "b=10.0.0.6:6789"], userKey: KEY, rbdNodeKey: KEY, rbdProvisionerKey: KEY };

describe("k3s-stacks:cephExternal (secret)", () => {
  it("is required for external mode, with the commands that set it", () => {
    expect(problemsOf(() => parseCephExternalSecrets(undefined, true, storage()))).toEqual([problem("k3s-stacks:cephExternal", "is required for addons.storage.external", "pulumi config set --secret --path 'k3s-stacks:cephExternal.monitors[0]'")]);
  });

  it("must be a secret, and its problems never echo a key", () => {
    expect(problemsOf(() => parseCephExternalSecrets(secrets, false, storage()))).toEqual([problem("k3s-stacks:cephExternal", "stored in plain text", "--secret")]);
    const bad = problemsOf(() => parseCephExternalSecrets({ ...secrets, userKey: "AQD-not-a-key", monitors: ["mon1"] }, true, storage()));
    expect(bad).toEqual([
      problem("k3s-stacks:cephExternal.monitors[0]", "is not a monitor address", "host:port"),
      problem("k3s-stacks:cephExternal.userKey", "is not a cephx key", "ceph auth get-key"),
    ]);
    expect(bad.join()).not.toContain("AQD-not-a-key");
  });

  it("needs the CephFS keys when external.cephfs is set", () => {
    const withFs = storage({ fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "k8s", cephfs: { filesystem: "fs", dataPool: "fs-data" } });
    expect(problemsOf(() => parseCephExternalSecrets(secrets, true, withFs))).toEqual([
      problem("k3s-stacks:cephExternal.cephfsNodeKey", "is required with addons.storage.external.cephfs", "--secret"),
      problem("k3s-stacks:cephExternal.cephfsProvisionerKey", "is required with addons.storage.external.cephfs", "--secret"),
    ]);
    expect(parseCephExternalSecrets({ ...secrets, cephfsNodeKey: KEY, cephfsProvisionerKey: KEY }, true, withFs)).toMatchObject({ cephfsNodeKey: KEY });
  });

  it("is refused without external mode", () => {
    expect(problemsOf(() => parseCephExternalSecrets(secrets, true, { type: "longhorn" }))).toEqual([problem("k3s-stacks:cephExternal", "is set but addons.storage is not rook-ceph with external", "pulumi config rm")]);
    expect(parseCephExternalSecrets(undefined, true, { type: "longhorn" })).toBeUndefined();
  });
});

describe("external-mode objects", () => {
  it("are what Rook's import script creates, in the order of their shapes", () => {
    const ext = storage().external!;
    const objects = externalObjects("rook-ceph", ext, secrets);
    expect(objects.map(({ kind, name }) => ({ kind, name }))).toEqual(externalObjectShapes(ext));
    expect(objects[0]).toEqual({
      kind: "Secret",
      name: "rook-ceph-mon",
      data: { "cluster-name": "rook-ceph", fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", "admin-secret": "admin-secret", "mon-secret": "mon-secret", "ceph-username": "client.healthchecker", "ceph-secret": KEY },
    });
    expect(objects[1]).toEqual({ kind: "ConfigMap", name: "rook-ceph-mon-endpoints", data: { data: "a=10.0.0.5:6789,b=10.0.0.6:6789", mapping: "{}", maxMonId: "2" } });
    expect(objects[2]).toEqual({ kind: "Secret", name: "rook-csi-rbd-node", data: { userID: "csi-rbd-node", userKey: KEY } });
  });

  it("names unnamed monitors as Rook does", () => {
    expect(monEndpoints(["10.0.0.5:6789", "[fd00::6]:6789"])).toBe("a=10.0.0.5:6789,b=[fd00::6]:6789");
  });
});
