import { CHART_CATALOG } from "../../components/addons/charts";
import { loadChartKeys, unknownPaths, valuePaths } from "./chart-keys";

describe("chart key fixtures", () => {
  it.each(CHART_CATALOG.map((c) => [c.chart, c.version]))("has a keys file for %s %s", (chart, version) => {
    const keys = loadChartKeys(chart, version);
    expect(keys.exact.size).toBeGreaterThan(50);
  });

  it("walks lists of objects with [] and stops at scalar lists", () => {
    expect(valuePaths({ a: { b: 1, c: ["x"] }, d: [{ e: 1 }] }).sort()).toEqual(["a.b", "a.c", "d[].e"]);
  });

  it("rejects an unknown key and accepts keys under free-form maps", () => {
    const keys = loadChartKeys("metallb", "0.16.1");
    expect(unknownPaths({ controller: { nodeSelector: { "kubernetes.io/arch": "arm64" } } }, keys)).toEqual([]);
    expect(unknownPaths({ controller: { nodeSelectr: { a: "b" } } }, keys)).toEqual(["controller.nodeSelectr.a"]);
  });
});
