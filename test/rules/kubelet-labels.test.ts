import { automaticLabelProblem, kubeletMaySet } from "../../components/rules/kubelet-labels";
import { labelsSchema } from "../../components/rules/labels";
import { parseConfig } from "../../components/rules/errors";
import { problem, problemsOf } from "../support/config";

describe("labels the kubelet or k3s set on every Node are refused", () => {
  test.each([
    ["kubernetes.io/hostname", "change the node's name"],
    ["kubernetes.io/os", "remove it"],
    ["kubernetes.io/arch", "remove it"],
    ["beta.kubernetes.io/os", "kubernetes.io/os"],
    ["beta.kubernetes.io/arch", "kubernetes.io/arch"],
    ["node.kubernetes.io/instance-type", "example.com/instance-type"],
    ["beta.kubernetes.io/instance-type", "example.com/instance-type"],
  ])("%s", (key, fix) => {
    expect(automaticLabelProblem(key)).toMatch(/^is set on every node automatically/);
    expect(problemsOf(() => parseConfig(labelsSchema, { [key]: "x", tier: "edge" }, "inventory.hosts[0].labels"))).toEqual([problem(`k3s-stacks:inventory.hosts[0].labels.${key}`, "automatically", fix)]);
  });

  test.each(["topology.kubernetes.io/zone", "topology.kubernetes.io/region", "node.kubernetes.io/pool", "node-role.kubernetes.io/worker", "example.com/disk"])("%s is the user's to set", (key) => {
    expect(automaticLabelProblem(key)).toBeUndefined();
    expect(parseConfig(labelsSchema, { [key]: "x" }, "labels")).toEqual({ [key]: "x" });
  });

  test("the automatic labels are ones the kubelet may set (so they would reach --node-labels, not kubectl)", () => {
    for (const key of ["kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "node.kubernetes.io/instance-type"]) expect(kubeletMaySet(key)).toBe(true);
  });
});
