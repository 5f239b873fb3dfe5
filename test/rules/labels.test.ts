// Label values as users write them in YAML: the value meant for a near-miss, and numbers and booleans
// (which the Pulumi CLI's YAML reader makes of unquoted 3, true or 0042) named as such with the quoting fix.
import { labelsSchema, nearestLabelValue } from "../../components/rules/labels";

const messages = (labels: Record<string, unknown>) => labelsSchema.safeParse(labels).error?.issues.map((i) => i.message) ?? [];

test.each([["living room", "living-room"], ["front end", "front-end"], ["rack 3/row 2", "rack-3-row-2"], [" ssd ", "ssd"], [`${"a".repeat(70)}`, "a".repeat(63)]])("'%s' gets '%s' as the value meant", (value, meant) => {
  expect(nearestLabelValue(value)).toBe(meant);
  expect(messages({ zone: value })).toEqual([expect.stringMatching(new RegExp(`is not a valid Kubernetes label value: .*Fix: write '${meant}' \\(`))]);
});

test("a value with nothing valid left keeps the generic fix", () => {
  expect(nearestLabelValue("!!!")).toBeUndefined();
  expect(messages({ zone: "!!!" })).toEqual([expect.stringMatching(/Fix: use at most 63 alphanumerics, .*such as ssd$/)]);
});

test("a number or boolean value is named with how YAML read it and the quoted value as the fix", () => {
  expect(messages({ rack: 34 })).toEqual(['is the number 34, but a label value is text: YAML reads unquoted digits as a number, and a leading 0 as octal (0042 becomes 34). Fix: quote the value as you mean it, such as "34"']);
  expect(messages({ gpu: true })).toEqual(['is the boolean true, but a label value is text: YAML reads an unquoted true or false as a boolean. Fix: quote the value as you mean it, such as "true"']);
  expect(messages({ rack: "3", gpu: "true", empty: "" })).toEqual([]);
});

// `node-role.kubernetes.io/worker:` written as kubectl label's `key=` reaches the program as null.
test("a key with no value (YAML null) is named as such, with \"\" as the fix", () => {
  expect(messages({ "node-role.kubernetes.io/worker": null })).toEqual([expect.stringMatching(/^has no value \(YAML reads a key with nothing after it as null\).*Fix: write "" for an empty value/)]);
});
