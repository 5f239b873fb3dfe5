import { ChartKey, catalogEntry } from "./charts";

/**
 * Which ceph-csi-drivers chart goes with a rook-ceph chart. From Rook v1.20 the drivers chart must be
 * installed with the operator chart, else the CSI driver fails for want of its service accounts;
 * before v1.20 Rook runs Ceph CSI itself and has no such chart (rook/rook@v1.20.6
 * Documentation/Upgrade/rook-upgrade.md: "ceph-csi-drivers (new requirement in v1.20)"). The drivers
 * chart creates objects of the CRDs that rook-ceph's ceph-csi-operator subchart installs, and
 * ceph/ceph-csi-operator publishes both charts from one tag under its version
 * (.github/workflows/publish-helm-charts.yaml), so the drivers chart takes the subchart's version. The
 * reference copy is silent on all of this.
 */

/**
 * The ceph-csi-operator subchart of each Rook v1.20 release (deploy/charts/rook-ceph/Chart.yaml
 * dependencies at tags v1.20.0 to v1.20.6): the ceph-csi-drivers version to install with it.
 */
const DRIVERS_FOR_ROOK: Readonly<Record<string, string>> = {
  "1.20.0": "1.0.1",
  "1.20.1": "1.0.1",
  "1.20.2": "1.0.4",
  "1.20.3": "1.0.4",
  "1.20.4": "1.0.4",
  "1.20.5": "1.0.4",
  "1.20.6": "1.0.4",
};

/** A chart version problem: the chart whose version key it is reported at, and the message. */
export interface PairingProblem {
  key: ChartKey;
  message: string;
}

/**
 * Why the rook-ceph and ceph-csi-drivers versions given would not work together, or undefined.
 * `overridden`: the charts whose version the user set. `setVersion` words how to set a chart's
 * version where the versions come from (a config key, a command-line flag).
 */
export function rookCsiPairingProblem(
  versions: { rook: string; drivers: string },
  overridden: ReadonlySet<ChartKey>,
  setVersion: (key: ChartKey, version: string) => string,
): PairingProblem | undefined {
  const { rook, drivers } = versions;
  const pinned = catalogEntry("rook-ceph").version;
  const release = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(rook);
  if (release && (Number(release[1]) < 1 || (Number(release[1]) === 1 && Number(release[2]) < 20))) {
    return {
      key: "rook-ceph",
      message: `${rook} is a Rook release before v1.20, which runs Ceph CSI itself and must not get the ceph-csi-drivers chart that k3s-stacks installs with Rook from v1.20 on, as Rook requires there (rook/rook@v1.20.6 Documentation/Upgrade/rook-upgrade.md). Fix: ${setVersion("rook-ceph", pinned)} (the pinned release) or another v1.20 release`,
    };
  }
  const paired = release ? DRIVERS_FOR_ROOK[release.slice(1).join(".")] : undefined;
  if (paired === undefined) {
    if (overridden.has("ceph-csi-drivers")) return undefined;
    return {
      key: "rook-ceph",
      message: `k3s-stacks knows which ceph-csi-drivers chart goes with Rook v1.20.0 to ${pinned}, not with ${rook}: the drivers chart must have the version of the ceph-csi-operator chart that rook-ceph ${rook} depends on, and the pinned ceph-csi-drivers ${drivers} is the one for Rook ${pinned}. Fix: ${setVersion("ceph-csi-drivers", "<version>")}, the ceph-csi-operator version that 'helm show chart rook-ceph --repo https://charts.rook.io/release --version ${rook}' lists under dependencies`,
    };
  }
  if (paired === drivers) return undefined;
  return {
    key: overridden.has("ceph-csi-drivers") ? "ceph-csi-drivers" : "rook-ceph",
    message: `Rook ${rook} installs ceph-csi-operator ${paired}, and the ceph-csi-drivers chart must have the same version, as both are published from one ceph-csi-operator release and the drivers chart creates objects of that operator's CRDs; ceph-csi-drivers is ${drivers}. Fix: ${setVersion("ceph-csi-drivers", paired)}`,
  };
}
