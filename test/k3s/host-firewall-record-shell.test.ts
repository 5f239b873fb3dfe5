// Host preparation closes the firewall rules it opened once nothing needs them (a layer turned off),
// never one the user opened, records what it owns (host/firewall-record.ts) and its undo removes it
// all: the config script in a real bash, against a fake firewalld and ufw that keep their rules.
import * as fs from "fs";
import * as path from "path";
import { FIREWALL_OPENED, PREP_RECORD_DIR } from "../../components/k3s/host/host-state";
import { LOG_CALL } from "./support/shell";
import { put } from "./support/host";
import { AGENT, host, read, render, run, sb } from "./support/prep-host";

const LAYER = ["7946/tcp", "7946/udp", "9100/tcp"];
const withLayer = () => render({ network: { ...AGENT, layerPorts: LAYER } }, "agent");
const without = () => render({}, "agent");
const opened = FIREWALL_OPENED.slice(1);
const fw = (prefix: string) => sb.calls().filter((c) => c.startsWith(prefix));

describe("firewalld", () => {
  const state = () => path.join(sb.dir, "firewalld");
  const rules = () => fs.readFileSync(state(), "utf8").split("\n").filter((l) => l.length > 0);
  beforeEach(() => {
    host("rocky", "5.14.0-427.13.1.el9_4.x86_64");
    fs.writeFileSync(state(), "22/tcp\n");
    // The permanent configuration in a file: query, add, remove, list; changes are logged.
    sb.fake("firewall-cmd", `a="$*"; v="\${a##*=}"
case "$a" in
  --state) echo running ;;
  *--query-*) grep -qxF -- "$v" "${state()}" ;;
  *--add-*) ${LOG_CALL}; echo "$v" >> "${state()}" ;;
  *--remove-*) ${LOG_CALL}; grep -vxF -- "$v" "${state()}" > "${state()}.new" || true; mv "${state()}.new" "${state()}" ;;
  "--permanent --list-ports") grep / "${state()}" | grep -v '/[0-9]' | tr '\\n' ' ' ;;
  "--permanent --zone=trusted --list-sources") grep '/[0-9]' "${state()}" | tr '\\n' ' ' ;;
  --reload) ${LOG_CALL} ;;
  *) exit 2 ;;
esac`);
  });

  test("a layer turned off: the ports it opened are closed on the next run, k3s's own stay, k3s is not restarted", () => {
    expect(run(withLayer()).status).toBe(0);
    expect(fw("firewall-cmd").filter((c) => LAYER.some((p) => c.endsWith(`=${p}`)))).toEqual(LAYER.map((p) => `firewall-cmd --permanent --add-port=${p}`));
    expect(read(opened)).toContain("firewall-cmd --permanent --add-port=7946/udp\n");
    // k3s runs: nothing of this may restart it.
    sb.fake("systemctl", `${LOG_CALL}\ncase "$1" in is-active) exit 0 ;; is-enabled|list-unit-files) exit 1 ;; esac`);
    const r = run(without());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fw("firewall-cmd")).toEqual([...LAYER.map((p) => `firewall-cmd --permanent --remove-port=${p}`), "firewall-cmd --reload"]);
    expect(sb.calls().filter((c) => /systemctl (re)?start|systemctl stop/.test(c))).toEqual([]);
    expect(r.stdout).toContain("k3s-stacks: n1: firewalld: closed what k3s-stacks opened and nothing needs now: 7946/tcp 7946/udp 9100/tcp\n");
    expect(rules()).toEqual(["22/tcp", "10250/tcp", "8472/udp", "10.42.0.0/16", "10.43.0.0/16"]);
    expect(read(opened)).not.toContain("7946");
    expect(run(without()).status).toBe(0);
    expect(fw("firewall-cmd")).toEqual([]);
  });

  test("a port the user opened is never closed, whether it was open before the layer wanted it or is opened after", () => {
    fs.appendFileSync(state(), "9100/tcp\n");
    expect(run(withLayer()).status).toBe(0);
    expect(fw("firewall-cmd --permanent --add-port=9100")).toEqual([]);
    expect(read(opened)).not.toContain("9100");
    fs.appendFileSync(state(), "8080/tcp\n");
    expect(run(without()).status).toBe(0);
    expect(fw("firewall-cmd --permanent --remove")).toEqual(["firewall-cmd --permanent --remove-port=7946/tcp", "firewall-cmd --permanent --remove-port=7946/udp"]);
    expect(rules()).toContain("9100/tcp");
    expect(rules()).toContain("8080/tcp");
  });

  test("one of ours the user already closed is only dropped from the record", () => {
    expect(run(withLayer()).status).toBe(0);
    fs.writeFileSync(state(), rules().filter((r) => r !== "7946/udp").map((r) => `${r}\n`).join(""));
    sb.calls();
    expect(run(without()).status).toBe(0);
    expect(fw("firewall-cmd --permanent --remove")).toEqual(["firewall-cmd --permanent --remove-port=7946/tcp", "firewall-cmd --permanent --remove-port=9100/tcp"]);
    expect(read(opened)).not.toContain("7946");
  });

  test("firewall: keep closes nothing and keeps the record, but names the commands that would", () => {
    expect(run(withLayer()).status).toBe(0);
    sb.calls();
    const r = run(render({ network: AGENT, firewall: "keep" }, "agent"));
    expect(r.status).toBe(0);
    expect(fw("firewall-cmd")).toEqual([]);
    expect(r.stdout).toContain(`k3s-stacks: n1: firewalld keeps rules k3s-stacks added that k3s and the layers no longer need; firewall: keep says not to change it. To close them, run on n1:
  firewall-cmd --permanent --remove-port=7946/tcp
  firewall-cmd --permanent --remove-port=7946/udp
  firewall-cmd --permanent --remove-port=9100/tcp
  firewall-cmd --reload
`);
    expect(read(opened)).toContain("7946/udp");
  });

  test("a node prepared by a release that kept no record: wanted rules the firewall lacked before the first preparation become ours, the others stay the user's", () => {
    // The older release's first preparation: the host before it (22 and the user's 9100 open), then its rules.
    put(sb, `${PREP_RECORD_DIR.slice(1)}/complete`, "");
    put(sb, `${PREP_RECORD_DIR.slice(1)}/firewalld-ports`, "22/tcp\n9100/tcp\n");
    put(sb, `${PREP_RECORD_DIR.slice(1)}/firewalld-sources`, "");
    fs.writeFileSync(state(), ["22/tcp", "9100/tcp", "10250/tcp", "8472/udp", "7946/tcp", "7946/udp", "10.42.0.0/16", "10.43.0.0/16"].map((r) => `${r}\n`).join(""));
    expect(run(withLayer()).status).toBe(0);
    expect(fw("firewall-cmd")).toEqual([]);
    expect(read(opened).split("\n").filter((l) => l)).toEqual([
      "firewall-cmd --permanent --add-port=10250/tcp", "firewall-cmd --permanent --add-port=8472/udp",
      "firewall-cmd --permanent --add-port=7946/tcp", "firewall-cmd --permanent --add-port=7946/udp",
      "firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16", "firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16",
    ]);
    expect(run(without()).status).toBe(0);
    expect(fw("firewall-cmd --permanent --remove")).toEqual(["firewall-cmd --permanent --remove-port=7946/tcp", "firewall-cmd --permanent --remove-port=7946/udp"]);
    expect(rules()).toContain("9100/tcp");
  });

  test("the undo on removal closes everything k3s-stacks opened, including a layer's, and nothing of the user's", () => {
    expect(run(withLayer()).status).toBe(0);
    fs.appendFileSync(state(), "8080/tcp\n");
    sb.calls();
    // The delete of the config step whose last update had no layer: its rules do not name the layer's ports.
    const r = sb.run(["bash", "-s", "--", "delete"], { input: without() });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(rules()).toEqual(["22/tcp", "8080/tcp"]);
    expect(fs.existsSync(path.join(sb.dir, opened))).toBe(false);
  });
});

describe("ufw", () => {
  const state = () => path.join(sb.dir, "ufw");
  beforeEach(() => {
    host("ubuntu", "6.8.0-49-generic");
    fs.writeFileSync(state(), "allow 22/tcp\n");
    sb.fake("ufw", `case "$1" in
  status) echo "Status: active" ;;
  show) echo "Added user rules (see 'ufw status' for running firewall):"; sed 's/^/ufw /' "${state()}" ;;
  allow) ${LOG_CALL}; echo "$*" >> "${state()}" ;;
  delete) ${LOG_CALL}; shift; grep -vxF -- "$*" "${state()}" > "${state()}.new" || true; mv "${state()}.new" "${state()}" ;;
  *) exit 2 ;;
esac`);
  });

  test("a layer turned off: its rules are deleted on the next run; the user's and k3s's own stay; the undo deletes the rest", () => {
    expect(run(withLayer()).status).toBe(0);
    sb.calls();
    expect(run(without()).status).toBe(0);
    expect(fw("ufw")).toEqual(["ufw delete allow 7946/tcp", "ufw delete allow 7946/udp", "ufw delete allow 9100/tcp"]);
    expect(fs.readFileSync(state(), "utf8")).toBe("allow 22/tcp\nallow 10250/tcp\nallow 8472/udp\nallow from 10.42.0.0/16\nallow from 10.43.0.0/16\n");
    expect(sb.run(["bash", "-s", "--", "delete"], { input: without() }).status).toBe(0);
    expect(fs.readFileSync(state(), "utf8")).toBe("allow 22/tcp\n");
  });
});
