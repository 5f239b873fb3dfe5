import * as path from "path";
import { CHART_CATALOG, resolveChart } from "../../components/addons/charts";

describe("chart catalog", () => {
  it("pins every chart to an exact version with repo and namespace", () => {
    for (const c of CHART_CATALOG) {
      expect(c.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(c.repo).toMatch(/^https:\/\//);
      expect(c.namespace).toMatch(/^[a-z0-9-]+$/);
    }
    expect(new Set(CHART_CATALOG.map((c) => c.key)).size).toBe(CHART_CATALOG.length);
  });

  it("resolves a repository chart, applying the stack's overrides", () => {
    expect(resolveChart("longhorn")).toEqual({ chart: "longhorn", version: "1.12.1", repositoryOpts: { repo: "https://charts.longhorn.io" } });
    expect(resolveChart("metallb", { metallb: { version: "0.16.0", repo: "https://mirror.example/metallb" } })).toEqual({
      chart: "metallb",
      version: "0.16.0",
      repositoryOpts: { repo: "https://mirror.example/metallb" },
    });
  });

  it("resolves the packaged chart file from an airgap chart directory", () => {
    expect(resolveChart("rook-ceph", {}, "/srv/airgap/charts")).toEqual({ chart: path.join("/srv/airgap/charts", "rook-ceph-v1.20.6.tgz") });
    expect(resolveChart("kube-prometheus-stack", { "kube-prometheus-stack": { version: "88.6.0" } }, "/b")).toEqual({ chart: "/b/kube-prometheus-stack-88.6.0.tgz" });
  });
});
