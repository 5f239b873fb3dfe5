// Node taints (components/rules/taints.ts): the API server's rules, and the keys Kubernetes' node
// controllers own (Kubernetes docs, Taints and Tolerations: taint based evictions).
import { taintProblem } from "../../components/rules/taints";

test.each([
  "node.kubernetes.io/not-ready:NoExecute",
  "node.kubernetes.io/unreachable:NoExecute",
  "node.kubernetes.io/unschedulable:NoSchedule",
  "node.kubernetes.io/disk-pressure:NoSchedule",
  "node.kubernetes.io/memory-pressure:PreferNoSchedule",
  "node.kubernetes.io/pid-pressure:NoSchedule",
  "node.kubernetes.io/network-unavailable:NoSchedule",
  "node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule",
  "node.cloudprovider.kubernetes.io/shutdown:NoSchedule",
])("%s, a taint the node controllers own, is refused with a taint of the user's own as the fix", (taint) => {
  expect(taintProblem(taint)).toMatch(/^uses node\.(cloudprovider\.)?kubernetes\.io\/[a-z-]+, a key Kubernetes reserves .*\. Fix: remove it; .*dedicated=maintenance:NoSchedule, or 'kubectl cordon' the node$/);
});

test.each([
  "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute",
  "node-role.kubernetes.io/control-plane:NoSchedule",
  "CriticalAddonsOnly=true:NoExecute",
  "dedicated=gpu:NoSchedule",
])("%s is a taint of the user's own: accepted", (taint) => {
  expect(taintProblem(taint)).toBeUndefined();
});
