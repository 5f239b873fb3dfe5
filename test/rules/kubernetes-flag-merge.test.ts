// tools/kubernetes-flags/merge.ts: the table's columns read back as listings give the same table, so
// regenerating some lines keeps the others' columns exactly (generate.sh passes the current table).
import data from "../../components/rules/kubernetes-flag-table.json";
import { Table, listingOf, tableOf } from "../../tools/kubernetes-flags/merge";

const table = data as Table & { generatedBy: string };

test("every column of the table, listed and merged again, gives the table", () => {
  const listings = new Map(table.minors.map((m, col) => [m, listingOf(table, col)]));
  expect(tableOf(listings)).toEqual(table);
});

test("a line listed anew replaces its column; a new line becomes a column in release order", () => {
  const listings = new Map(table.minors.map((m, col) => [m, listingOf(table, col)]));
  const first = table.minors[0];
  const minor = Number(first.split(".")[1]) - 1;
  listings.set(`1.${minor}`, "flag max-pods\ngate SomeGate false true");
  const merged = tableOf(listings);
  expect(merged.minors).toEqual([`1.${minor}`, ...table.minors]);
  expect(merged.kubeletFlags["max-pods"]).toBe(`+${table.kubeletFlags["max-pods"]}`);
  expect(merged.featureGates.SomeGate).toBe(`F${"-".repeat(table.minors.length)}`);
  // a flag the old line lacked reads absent there
  const other = Object.keys(table.kubeletFlags).find((f) => f !== "max-pods") as string;
  expect(merged.kubeletFlags[other]).toBe(`-${table.kubeletFlags[other]}`);
});
