import { hetznerKeyFingerprint, reusableProjectKey } from "../../components/nodes/hetzner/ssh-key";

// An ED25519 key made with ssh-keygen; `ssh-keygen -l -E md5 -f` printed MD5:86:fb:e3:db:a8:46:90:9a:a0:e0:2f:1a:e8:7f:98:9d.
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGj2GbsMAHJ7RraTwJi6SBIGUZ/7XG3n3jip/SmBz0VJ ana@laptop";
const FINGERPRINT = "86:fb:e3:db:a8:46:90:9a:a0:e0:2f:1a:e8:7f:98:9d";

test("the fingerprint is ssh-keygen's MD5 one, whatever the comment or surrounding spaces", () => {
  expect(hetznerKeyFingerprint(PUBLIC_KEY)).toBe(FINGERPRINT);
  expect(hetznerKeyFingerprint(`  ${PUBLIC_KEY.replace(" ana@laptop", "")}\n`)).toBe(FINGERPRINT);
});

describe("reusableProjectKey", () => {
  const key = (id: number, fingerprint: string, labels: Record<string, string> = {}) => ({ id, name: `key-${id}`, fingerprint, labels });

  test("the user's key already in the project (console upload, another stack's) is reused", () => {
    const keys = [key(1, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"), key(2, FINGERPRINT)];
    expect(reusableProjectKey(PUBLIC_KEY, "prod-k3s", keys)?.id).toBe(2);
    expect(reusableProjectKey(PUBLIC_KEY, "prod-k3s", [key(3, FINGERPRINT, { "k3s-stacks-cluster": "dev-k3s" })])?.id).toBe(3);
  });

  test("no key of that fingerprint, or the one this cluster created: created and managed here", () => {
    expect(reusableProjectKey(PUBLIC_KEY, "prod-k3s", [])).toBeUndefined();
    expect(reusableProjectKey(PUBLIC_KEY, "prod-k3s", [key(1, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")])).toBeUndefined();
    expect(reusableProjectKey(PUBLIC_KEY, "prod-k3s", [key(4, FINGERPRINT, { "managed-by": "k3s-stacks", "k3s-stacks-cluster": "prod-k3s" })])).toBeUndefined();
  });
});
