// Certificate renewal by the roll: k3s renews its one-year certificates only as it starts, so a stack
// that restarts nodes only for changes must renew them before they expire (docs.k3s.io "Certificate
// Management"; k3s-io/k3s#2550, #8762). Planning reads the expiry from the last kubeconfig; the
// restart step rotates once per renewal.
import * as fs from "fs";
import * as path from "path";
import { RENEWED_FILE, certificateRenewal, clientCertificateExpiry } from "../../components/day-two/certificates";
import { RestartSpec, renderRestartScript } from "../../components/day-two/rollout-scripts";
import { LOG_CALL, Sandbox, fakeUnit, sandbox } from "../k3s/support/shell";
import { kubeconfigExpiringIn } from "../stack/support/client-certificate";

const DAY = 24 * 3600 * 1000;

describe("planning a renewal from the last kubeconfig", () => {
  test("the expiry of the first user's client certificate is read; a kubeconfig without one gives none", () => {
    const expiry = clientCertificateExpiry(kubeconfigExpiringIn(30))!;
    expect(Math.abs(expiry.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(DAY);
    expect(clientCertificateExpiry("users: [{name: k, user: {token: abc}}]")).toBeUndefined();
    expect(clientCertificateExpiry("users: [{name: k, user: {client-certificate-data: bm90IGEgY2VydA==}}]")).toBeUndefined();
  });

  test("fewer than 90 days left, or expired: due, named by the expiry day; more: the last renewal stays", () => {
    const now = new Date("2027-03-01T12:00:00Z");
    expect(certificateRenewal({ certificateExpiry: "2027-05-20T08:00:00Z" }, now)).toBe("2027-05-20");
    expect(certificateRenewal({ certificateExpiry: "2027-02-01T08:00:00Z" }, now)).toBe("2027-02-01");
    expect(certificateRenewal({ certificateExpiry: "2027-07-01T08:00:00Z", certificateRenewal: "2026-07-02" }, now)).toBe("2026-07-02");
    expect(certificateRenewal({ certificateExpiry: "2027-07-01T08:00:00Z" }, now)).toBeUndefined();
    expect(certificateRenewal({}, now)).toBeUndefined();
  });
});

describe("restart step with a renewal (k3s certificate rotate, once per node)", () => {
  let sb: Sandbox;
  const STATE = "/var/lib/rancher/k3s-stacks/";
  const active = () => path.join(sb.dir, "active");
  const cfg = () => path.join(sb.dir, "config.yaml");
  const renewed = () => path.join(sb.dir, "state", path.relative(STATE, RENEWED_FILE));
  const spec = (over: Partial<RestartSpec> = {}): RestartSpec => ({ node: "a1", role: "agent", files: [cfg()], configHash: "ef".repeat(32), etcd: false, certificateRenewal: "2027-05-20", timeoutSeconds: 4, ...over });
  const run = (s: RestartSpec, env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "update"], { input: renderRestartScript(s).split(STATE).join(`${sb.dir}/state/`), env });
  const calls = () => sb.calls().filter((c) => !c.startsWith("systemctl is-active"));

  beforeEach(() => {
    sb = sandbox();
    fakeUnit(sb, active());
    sb.fake("sleep", ":");
    sb.fake("k3s", `case "$*" in
  *'type=="Ready")].status'*) echo True ;;
  *'type=="Ready")].lastHeartbeatTime'*) date -u +%Y-%m-%dT%H:%M:%SZ ;;
  "certificate rotate") ${LOG_CALL}; [ -z "\${FAIL_ROTATE:-}" ] ;;
  *) ${LOG_CALL} ;;
esac`);
    fs.writeFileSync(active(), "");
    fs.writeFileSync(cfg(), "node-name: a1\n");
  });
  afterEach(() => sb.cleanup());

  test("stops k3s, rotates, starts it, passes the gate and notes the renewal; a resumed roll does not rotate again", () => {
    expect(renderRestartScript(spec())).toContain("restart a1, configuration efefefefefef, certificates renewed before 2027-05-20");
    const r = run(spec());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("renewing the k3s certificates on a1: they expire 2027-05-20");
    expect(calls()).toEqual(["systemctl stop k3s-agent", "k3s certificate rotate", "systemctl start --no-block k3s-agent"]);
    expect(fs.readFileSync(renewed(), "utf8").trim()).toBe("2027-05-20");
    expect(run(spec()).stdout).toContain("a1 already runs with this configuration");
    expect(calls()).toEqual([]);
  });

  test("a failed rotate starts k3s again and stops the roll, naming the node", () => {
    const r = run(spec(), { FAIL_ROTATE: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the rolling restart stopped at a1: 'k3s certificate rotate' failed while renewing its certificates (they expire 2027-05-20)");
    expect(calls()).toEqual(["systemctl stop k3s-agent", "k3s certificate rotate", "systemctl start --no-block k3s-agent"]);
    expect(fs.existsSync(renewed())).toBe(false);
  });

  test("without a renewal nothing rotates and the header is as before", () => {
    expect(renderRestartScript(spec({ certificateRenewal: undefined }))).not.toContain("certificate");
  });
});
