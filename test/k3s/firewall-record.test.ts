// The firewall record's renderers: what the check asks for (every rule this node wants, per tool),
// where the record is written and read, and that the undo uses it (shell behaviour:
// host-firewall-record-shell.test.ts).
import { firewallRules, renderFirewallCheck, renderFirewallOpen } from "../../components/k3s/host/network";
import { renderPrepUndo } from "../../components/k3s/host/undo";
import { FIREWALL_OPENED } from "../../components/k3s/host/host-state";
import { prepBody } from "../../components/k3s/host-prep";

const NET = { role: "agent" as const, etcd: false, backend: "vxlan" as const, clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: false, layerPorts: ["7946/udp", "10257-10259/tcp"] };
const RULES = firewallRules(NET);

test("the check lists every rule the node wants, a layer's with k3s's, as each tool's add command (what the record holds)", () => {
  const check = renderFirewallCheck(RULES, false);
  expect(check).toContain('fw_want=("firewall-cmd --permanent --add-port=10250/tcp" "firewall-cmd --permanent --add-port=8472/udp" "firewall-cmd --permanent --add-port=7946/udp" "firewall-cmd --permanent --add-port=10257-10259/tcp" "firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16" "firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16")');
  expect(check).toContain('fw_want=("ufw allow 10250/tcp" "ufw allow 8472/udp" "ufw allow 7946/udp" "ufw allow 10257:10259/tcp" "ufw allow from 10.42.0.0/16" "ufw allow from 10.43.0.0/16")');
  // What is ours and no longer wanted is known before the keep check and before anything changes.
  expect(check.indexOf(`done < ${FIREWALL_OPENED}`)).toBeGreaterThan(0);
  expect(check.indexOf(`done < ${FIREWALL_OPENED}`)).toBeLessThan(check.indexOf('[ "$firewall_keep" = 1 ]; then\n  {'));
});

test("the open step closes fw_remove with each tool's remove command and rewrites the record; host preparation reads the record before it changes anything", () => {
  const open = renderFirewallOpen();
  expect(open).toContain('read -r -a argv <<<"$(fw_reverse "$rule")"');
  expect(open).toContain(`fw_opened=${FIREWALL_OPENED}`);
  const body = prepBody({ node: "n1", fixCgroups: false, allowReboot: false, network: NET });
  expect(body.indexOf(`done < ${FIREWALL_OPENED}`)).toBeLessThan(body.indexOf("swapoff -a"));
  expect(body.indexOf(`fw_opened=${FIREWALL_OPENED}`)).toBeGreaterThan(body.indexOf("swapoff -a"));
  // Without a network (no firewall preparation) there is no record to keep.
  expect(prepBody({ node: "n1", fixCgroups: false, allowReboot: false })).not.toContain(FIREWALL_OPENED);
});

test("the undo removes what the record holds, whatever the last rules were, then the record", () => {
  const undo = renderPrepUndo("n1", firewallRules({ ...NET, layerPorts: [] }));
  expect(undo).toContain(`fw_opened=${FIREWALL_OPENED}`);
  expect(undo).toContain(`fw_ours=$(grep '^firewall-cmd ' "$fw_opened" || true)`);
  expect(undo).toContain(`fw_ours=$(grep '^ufw ' "$fw_opened" || true)`);
  expect(undo).toContain('rm -f "$fw_opened"');
});
