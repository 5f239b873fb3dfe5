// The etcd quorum guards (components/k3s/etcd-quorum.ts) against a real etcd 3.5 (the release k3s's
// 1.2x–1.3x lines embed), not the lab's stand-in: they read the member list from etcd's JSON gateway
// (POST /v3/cluster/member/list) and each member's /health with curl and the client certificate in
// k3s's server/tls/etcd, and parse the answers with sed and grep. A change in etcd's JSON (field names,
// learners, a member added but not started) shows here.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ETCD_TLS_DIR, etcdMemberHealthSnippet, etcdRestartGuardFunction, renderReplacementGuard } from "../../../components/k3s/etcd-quorum";
import { STATE_DIR } from "../../../components/k3s/node-config";
import { EtcdCluster, Member, etcdBinary } from "../etcd/real-etcd";

// The guards ask the member on the server they run on, at https://127.0.0.1:2379, as k3s serves it.
const MEMBERS: Member[] = [
  { name: "srv1-1a2b3c4d", client: 2379, peer: 2380 },
  { name: "srv2-5e6f7a8b", client: 22379, peer: 22380 },
  { name: "srv3-9c0d1e2f", client: 32379, peer: 32380 },
];

let cluster: EtcdCluster;
let dir: string;

beforeAll(async () => {
  const bin = etcdBinary();
  const busy = spawnSync("bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/2379"], { stdio: "ignore" }).status === 0;
  if (busy) throw new Error("127.0.0.1:2379 is in use on this machine (an etcd or k3s server?): the guards under test ask the member there. Fix: stop it for this test.");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-etcd-"));
  cluster = new EtcdCluster(bin, dir, MEMBERS);
  for (const m of MEMBERS) cluster.start(m.name);
  await cluster.healthy();
}, 1_300_000);

afterAll(() => {
  cluster?.stopAll();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a rendered guard with k3s's TLS and state directories moved into the test's. */
function run(script: string): { status: number | null; stdout: string; stderr: string } {
  const local = script.split(ETCD_TLS_DIR).join(cluster.tls).split(STATE_DIR).join(path.join(dir, "state"));
  const r = spawnSync("bash", ["-c", `set -euo pipefail\n${local}`], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const health = () => run(`${etcdMemberHealthSnippet({ node: "srv1", leaving: ["srv1"], action: "this test" })}\necho "members=$members up=$up listed=$listed down=[$down]"`);
const restartGuard = () => run(`${etcdRestartGuardFunction("srv1")}\netcd_quorum_before_restart`);
const replacementGuard = () => run(renderReplacementGuard("srv2"));

test("etcd's own member list and health read as the guards expect: three voting members, the node itself listed", () => {
  // k3s's members answer in this shape: IDs as strings, camelCase URL lists (grpc-gateway's JSON of etcdserverpb).
  expect(cluster.request(2379, "/v3/cluster/member/list", "{}")).toMatch(/"members":\[\{"ID":"\d+","name":"srv\d-[0-9a-f]{8}","peerURLs":\["http:\/\/127\.0\.0\.1:\d+"\],"clientURLs":\["https:\/\/127\.0\.0\.1:\d+"\]\}/);
  const r = health();
  expect(r.stderr).toBe("");
  expect(r.stdout.trim()).toBe("members=3 up=2 listed=1 down=[]");
  expect(restartGuard().status).toBe(0);
  expect(replacementGuard().status).toBe(0);
}, 120_000);

test("with one member down, restarting or replacing another is refused, naming the member etcd reports down", async () => {
  cluster.stop("srv3-9c0d1e2f");
  try {
    // If srv3 led, the others answer /health "leader changed" until they elect a new leader.
    let seen = health().stdout;
    for (let i = 0; i < 40 && seen.includes("srv2 ("); i++) {
      await new Promise((r) => setTimeout(r, 500));
      seen = health().stdout;
    }
    expect(seen).toContain("members=3 up=1 listed=1 down=[ srv3 (https://127.0.0.1:32379/health: curl: (7)");
    const restart = restartGuard();
    expect(restart.status).toBe(1);
    expect(restart.stderr).toContain("k3s-stacks: the rolling restart stopped at srv1: restarting k3s there would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: srv3 (https://127.0.0.1:32379/health:");
    const replace = replacementGuard();
    expect(replace.status).toBe(1);
    expect(replace.stderr).toContain("k3s-stacks: replacing srv2 (a role or arch change, or pulumi up --replace) would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: srv3");
  } finally {
    cluster.start("srv3-9c0d1e2f");
    await cluster.healthy();
  }
}, 120_000);

/** Adds a member; etcd refuses ("unhealthy cluster") until every member has been connected for a few seconds. */
async function addMember(body: string): Promise<string> {
  for (let tries = 0; ; tries++) {
    const answer = cluster.request(2379, "/v3/cluster/member/add", body);
    if (!answer.includes("unhealthy cluster") || tries > 60) return answer;
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("a learner does not vote and is not counted; a member added but never started counts as down", async () => {
  const add = addMember;
  expect(await add('{"peerURLs":["http://127.0.0.1:42380"],"isLearner":true}')).toContain('"isLearner":true');
  expect(health().stdout.trim()).toBe("members=3 up=2 listed=1 down=[]");
  expect(await add('{"peerURLs":["http://127.0.0.1:52380"]}')).toContain('"peerURLs":["http://127.0.0.1:52380"]');
  expect(health().stdout.trim()).toBe("members=4 up=2 listed=1 down=[ an unstarted member at http://127.0.0.1:52380 (no client URL: it never started)]");
  const restart = restartGuard();
  expect(restart.status).toBe(1);
  expect(restart.stderr).toContain("restarting k3s there would leave 2 of 4 etcd members healthy, below quorum (3); etcd reports down: an unstarted member at http://127.0.0.1:52380 (no client URL: it never started)");
}, 120_000);
