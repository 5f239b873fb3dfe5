import { problemsOf as problems } from "../support/config";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, valueOf } from "../support/mocks";
import { parseRegistriesConfig, RegistriesSettings } from "../../components/registries/config";
import { registriesPlan, REGISTRIES_PATH, renderRegistriesYaml } from "../../components/registries/registries";
import { tmpDir } from "../airgap/fixture";
import { REFERENCE_DIR, REFERENCE_PATH } from "../k3s/support/reference";


/** Key paths allowed by the registries.yaml schema block of the reference (§5, wharfie types), hosts as "<host>". */
function referenceKeys(): Set<string> {
  const md = fs.readFileSync(path.join(REFERENCE_DIR, "k3s-reference.md"), "utf8");
  const section = md.slice(md.indexOf("**registries.yaml**"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const keys = new Set<string>();
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const key = depth === 1 ? "<host>" : k;
      const p = prefix ? `${prefix}.${key}` : key;
      keys.add(p);
      // rewrite's keys are user regexes, not schema.
      if (k !== "rewrite") walk(child, p, depth + 1);
    }
  };
  walk(parse(block), "", 0);
  // The block's comment lists the other auth fields: "also: auth (base64), identity_token".
  if (/also: auth \(base64\), identity_token/.test(block)) ["auth", "identity_token"].forEach((k) => keys.add(`configs.<host>.auth.${k}`));
  return keys;
}

function renderedKeys(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [top, hosts] of Object.entries(doc)) {
    out.push(top);
    for (const entry of Object.values(hosts as Record<string, Record<string, unknown>>)) {
      out.push(`${top}.<host>`);
      for (const [k, v] of Object.entries(entry)) {
        out.push(`${top}.<host>.${k}`);
        if (k !== "rewrite" && v && typeof v === "object" && !Array.isArray(v)) for (const kk of Object.keys(v)) out.push(`${top}.<host>.${k}.${kk}`);
      }
    }
  }
  return [...new Set(out)];
}

const flags = JSON.parse(fs.readFileSync(REFERENCE_PATH, "utf8")) as Record<string, Record<string, { type: string }>>;

function settingsDir(): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
  fs.writeFileSync(path.join(dir, "client.pem"), "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n");
  fs.writeFileSync(path.join(dir, "client.key"), "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n");
  return dir;
}

const FULL = {
  mirrors: {
    "docker.io": { endpoint: ["https://reg.site.lan:5000"], rewrite: { "^rancher/(.*)": "mirror/rancher/$1" } },
    "*": {},
  },
  configs: {
    "reg.site.lan:5000": { auth: { username: "edge" }, tls: { caFile: "ca.pem", certFile: "client.pem", keyFile: "client.key" } },
    "quay.local": { tls: { insecureSkipVerify: true } },
  },
  embeddedMirror: true,
  disableDefaultEndpoint: true,
};


beforeAll(async () => {
  await installMocks();
});

describe("registries.yaml rendering", () => {
  let settings: RegistriesSettings;
  beforeAll(() => {
    settings = parseRegistriesConfig(FULL, { "reg.site.lan:5000": "s3cr3t-pw" }, true, settingsDir());
  });

  test("renders mirrors, rewrites, auth and TLS in the wharfie schema", () => {
    const doc = parse(renderRegistriesYaml(settings));
    expect(doc).toEqual({
      mirrors: {
        "docker.io": { endpoint: ["https://reg.site.lan:5000"], rewrite: { "^rancher/(.*)": "mirror/rancher/$1" } },
        "*": {},
      },
      configs: {
        "reg.site.lan:5000": {
          auth: { username: "edge", password: "s3cr3t-pw" },
          tls: {
            ca_file: "/etc/rancher/k3s/registry-tls/reg.site.lan_5000/ca.crt",
            cert_file: "/etc/rancher/k3s/registry-tls/reg.site.lan_5000/client.crt",
            key_file: "/etc/rancher/k3s/registry-tls/reg.site.lan_5000/client.key",
          },
        },
        "quay.local": { tls: { insecure_skip_verify: true } },
      },
    });
  });

  test("every rendered key exists in the reference schema", () => {
    const allowed = referenceKeys();
    expect(allowed.has("configs.<host>.tls.insecure_skip_verify")).toBe(true);
    const keys = renderedKeys(parse(renderRegistriesYaml(settings)));
    expect(keys.length).toBeGreaterThan(8);
    expect(keys.filter((k) => !allowed.has(k))).toEqual([]);
  });

  test("config.yaml contributions are real k3s flags of the right role and type", () => {
    const { contributions } = registriesPlan(settings);
    expect(contributions).toEqual([{ server: { "embedded-registry": true } }, { all: { "disable-default-registry-endpoint": true } }]);
    expect(flags.server["embedded-registry"].type).toBe("bool");
    // `all` keys go to agents too, so they must be agent flags.
    expect(flags.agent["disable-default-registry-endpoint"].type).toBe("bool");
    expect(flags.server["disable-default-registry-endpoint"].type).toBe("bool");
    // registries.yaml is written where k3s looks by default.
    expect((flags.agent["private-registry"] as { default?: string }).default).toBe(REGISTRIES_PATH);
  });

  test("the password and the client key stay secret; CA and certificate files are plain", async () => {
    const { files } = registriesPlan(settings);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual([
      "/etc/rancher/k3s/registries.yaml",
      "/etc/rancher/k3s/registry-tls/reg.site.lan_5000/ca.crt",
      "/etc/rancher/k3s/registry-tls/reg.site.lan_5000/client.crt",
      "/etc/rancher/k3s/registry-tls/reg.site.lan_5000/client.key",
    ]);
    expect(await isSecret(byPath[REGISTRIES_PATH].content)).toBe(true);
    expect(await valueOf(byPath[REGISTRIES_PATH].content)).toContain("s3cr3t-pw");
    expect(byPath[REGISTRIES_PATH].mode).toBeUndefined(); // 0600
    expect(await isSecret(byPath["/etc/rancher/k3s/registry-tls/reg.site.lan_5000/client.key"].content)).toBe(true);
    expect(byPath["/etc/rancher/k3s/registry-tls/reg.site.lan_5000/ca.crt"]).toMatchObject({ mode: "0644" });
    expect(pulumi.Output.isInstance(byPath["/etc/rancher/k3s/registry-tls/reg.site.lan_5000/ca.crt"].content)).toBe(false);
  });

  test("without credentials registries.yaml is plain; with nothing configured no file is written", async () => {
    const plain = registriesPlan(parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["http://10.0.0.5:5000"] } } }, undefined, false, "."));
    expect(plain.files).toHaveLength(1);
    expect(await isSecret(plain.files[0].content)).toBe(false);
    expect(plain.contributions).toEqual([]);
    expect(registriesPlan(parseRegistriesConfig(undefined, undefined, false, "."))).toEqual({ files: [], contributions: [] });
  });
});

describe("registries config validation", () => {
  test("a password in plain config is refused with the --secret fix", () => {
    const p = problems(() => parseRegistriesConfig({ configs: { "r.lan": { auth: { username: "u" } } } }, { "r.lan": "Tr0ub4dor" }, false, "."));
    expect(p).toEqual([expect.stringMatching(/k3s-stacks:registryPasswords: holds passwords but is not a secret\. Fix: pulumi config rm k3s-stacks:registryPasswords, then pulumi config set --secret --path/)]);
    expect(p.join("\n")).not.toContain("Tr0ub4dor");
  });

  test("usernames and passwords must pair up; TLS files must exist; mirrors needed for the embedded mirror", () => {
    const p = problems(() => parseRegistriesConfig({ configs: { "c.lan": { tls: { certFile: "x.pem" } } } }, undefined, false, "."));
    expect(p).toEqual([expect.stringMatching(/k3s-stacks:registries\.configs\.c\.lan\.tls: certFile and keyFile go together/)]);
    const q = problems(() =>
      parseRegistriesConfig({ configs: { "a.lan": { auth: { username: "u" } }, "b.lan": { tls: { caFile: "missing.pem" } } }, embeddedMirror: true }, { "z.lan": "pw" }, true, tmpDir()),
    );
    expect(q).toEqual([
      expect.stringMatching(/k3s-stacks:registries\.configs\.a\.lan\.auth: user 'u' has no password\. Fix: pulumi config set --secret --path 'k3s-stacks:registryPasswords\["a\.lan"\]'/),
      expect.stringMatching(/k3s-stacks:registryPasswords\["z\.lan"\]: no username for this host/),
      expect.stringMatching(/k3s-stacks:registries\.embeddedMirror: the embedded mirror only shares registries listed under mirrors/),
      expect.stringMatching(/k3s-stacks:registries\.configs\.b\.lan\.tls\.caFile: cannot read missing\.pem \(ENOENT\)/),
    ]);
  });

  test("typos and bad endpoints are named", () => {
    const p = problems(() => parseRegistriesConfig({ mirrors: { "docker.io": { endpoints: ["x"] } }, configs: { "r.lan": { tls: { ca_file: "x" } } } }, undefined, false, "."));
    expect(p.join("\n")).toMatch(/k3s-stacks:registries\.mirrors\.docker\.io: unknown key\(s\) 'endpoints'/);
    // k3s's ca_file names a file on the node; here the file is local, so the fix names our key.
    expect(p.join("\n")).toMatch(/k3s-stacks:registries\.configs\.r\.lan\.tls\.ca_file: is k3s's key for a file already on every node.*Fix: rename it to caFile/);
    const q = problems(() => parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["reg.lan:5000"] } } }, undefined, false, "."));
    expect(q[0]).toMatch(/k3s-stacks:registries\.mirrors\.docker\.io\.endpoint\[0\]: must be an http\(s\) URL/);
  });
});

// k3s writes a mirror's hosts.toml under its key; containerd looks one up by the image's registry name,
// docker.io for every Docker Hub image (k3s docs, Private Registry Configuration: images without a
// registry are docker.io's). configs may name the API host: k3s's configForHost reads it for docker.io.
describe("Docker Hub's API hosts as mirror keys", () => {
  test.each(["registry-1.docker.io", "index.docker.io", "Registry-1.Docker.io"])("a mirror keyed %s is refused: no image is named so", (host) => {
    const p = problems(() => parseRegistriesConfig({ mirrors: { [host]: { endpoint: ["https://reg.lan:5000"] } } }, undefined, false, "."));
    expect(p).toEqual([expect.stringMatching(new RegExp(`^k3s-stacks:registries\\.mirrors\\.${host.replace(/\./g, "\\.")}: .*never be used\\. Fix: key it docker\\.io`))]);
  });

  test("docker.io mirrors, and auth under configs.registry-1.docker.io, are accepted", () => {
    const s = parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"] } }, configs: { "registry-1.docker.io": { auth: { username: "u" } } } }, { "registry-1.docker.io": "pw" }, true, ".");
    expect(Object.keys(s.config.mirrors)).toEqual(["docker.io"]);
  });
});

describe("rewrite patterns are Go (RE2) regular expressions", () => {
  const rewrite = (pattern: string) => problems(() => parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { [pattern]: "mirror/$1" } } } }, undefined, false, "."));
  const key = (pattern: string) => `k3s-stacks:registries.mirrors.docker.io.rewrite.${pattern}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  test("an unclosed group is refused with Go's words and the closed pattern as the fix", () => {
    expect(rewrite("^library/(.*")).toEqual([expect.stringMatching(new RegExp(`^${key("^library/(.*")}: .*not a regular expression containerd can compile \\(Go regexp: missing closing \\): \`\\^library/\\(\\.\\*\`\\); it would skip the rule.*Fix: write '\\^library/\\(\\.\\*\\)'$`))]);
  });

  // JavaScript's RegExp takes each of these; Go's regexp (and so containerd) does not.
  test.each(["(?=library/)(.*)", "(?!x)(.*)", "(?<=a)b", "^(a)\\1", "\\u0041", "\\k<name>", "x{1001}", "\\Z"])("%s, which JavaScript compiles, is refused", (pattern) => {
    expect(() => new RegExp(pattern)).not.toThrow();
    expect(rewrite(pattern)).toEqual([expect.stringMatching(new RegExp(`^${key(pattern)}: .*Go regexp: .*Fix: write it in RE2 syntax`))]);
  });

  // Go's regexp takes a group name twice (go1.26 regexp.Compile; its SubexpIndex doc shows
  // (?P<bob>a+)(?P<bob>b+)); re2js alone refuses it ("duplicate capture group name").
  test.each(["^(?P<ns>[^/]+)/(?P<ns>.*)$", "^(?<ns>library)/(.*)|^(?<ns>rancher)/(.*)", "(?P<a>x)[(?P<a>](?P<a>y)(?P<b>z)(?P<b>w)"])("%s, a group name twice, is accepted as Go accepts it", (pattern) => {
    const s = parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { [pattern]: "mirror/$0" } } } }, undefined, false, ".");
    expect(Object.keys(s.config.mirrors["docker.io"].rewrite ?? {})).toEqual([pattern]);
  });

  test("a group name twice does not hide what else Go refuses, quoted as written", () => {
    expect(rewrite("(?P<a>x)(?P<a>y)(?<=z)")).toEqual([expect.stringContaining("(Go regexp: invalid named capture: `(?<=z)`)")]);
    expect(rewrite("^(?P<a>x)(?P<a>y")).toEqual([expect.stringContaining("(Go regexp: missing closing ): `^(?P<a>x)(?P<a>y`)")]);
  });

  test.each(["^library/(.*)", "^(?P<ns>[^/]+)/(.*)$", "(?i)^Rancher/(.*)", "\\x{41}", "[[:alpha:]]+"])("%s is accepted", (pattern) => {
    const s = parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { [pattern]: "mirror/$0" } } } }, undefined, false, ".");
    expect(Object.keys(s.config.mirrors["docker.io"].rewrite ?? {})).toEqual([pattern]);
  });
});

describe("rewrite replacements are expanded as Go's regexp does", () => {
  const rewrite = (pattern: string, replacement: string) =>
    problems(() => parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { [pattern]: replacement } } } }, undefined, false, "."));
  const key = (pattern: string) => `k3s-stacks:registries.mirrors.docker.io.rewrite.${pattern}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  // What Go 1.26's Regexp.ReplaceAllString gives for rancher/coredns (checked with go run): the
  // refused ones silently lose a part of the name, or keep a '$' no image name can hold.
  test.each([
    ["^rancher/(.*)", "mirror/$1x", "'\\$1x' .*is the group named '1x' to Go's regexp.*Fix: write \\$\\{1\\}x$"], // Go: "mirror/"
    ["^rancher/(.*)", "mirror/$1_tag", "is the group named '1_tag'.*Fix: write \\$\\{1\\}_tag$"], // Go: "mirror/"
    ["^(?P<ns>[^/]+)/(.*)$", "m/$ns_x/$2", "is the group named 'ns_x'.*Fix: write \\$\\{ns\\}_x$"], // Go: "m//coredns"
    ["^(?P<ns>[^/]+)/(.*)$", "m/$name", "refers to a group named 'name', which the pattern does not have \\(\\$1 to \\$2, \\$\\{ns\\}\\)"], // Go: "m/"
    ["^rancher/(.*)", "mirror/$2", "refers to group 2, which the pattern does not have \\(\\$1\\).*Fix: use one the pattern has: \\$1$"], // Go: "mirror/"
    ["^rancher/.*", "mirror/$1", "refers to group 1, .*Fix: put the part to keep in parentheses in the pattern, such as \\^library/\\(\\.\\*\\), and refer to it as \\$1$"], // Go: "mirror/"
    ["^rancher/(.*)", "mirror/$01", "is not group 1 to Go's regexp \\(a group number has no leading zeros.*Fix: write \\$\\{1\\}$"], // Go: "mirror/" (no leading zeros in a group number)
    ["^rancher/(.*)", "mirror/${1", "'\\$\\{' in 'mirror/\\$\\{1' starts no group reference.*Fix: write a group as \\$1 or \\$\\{1\\}"], // Go: "mirror/${1"
    ["^rancher/(.*)", "mirror/$-x", "'\\$-' .*starts no group reference"], // Go: "mirror/$-x"
    ["^rancher/(.*)", "mirror/$", "'\\$' in 'mirror/\\$' starts no group reference"], // Go: "mirror/$"
    ["^rancher/(.*)", "mirror/$$1", "'\\$\\$' in 'mirror/\\$\\$1' is a literal '\\$' to Go's regexp, and containerd would ask the mirror for an image name with a '\\$' in it.*Fix: .*leave the '\\$' out$"], // Go: "mirror/$1"
  ])("%s → %s is refused", (pattern, replacement, message) => {
    expect(rewrite(pattern, replacement)).toEqual([expect.stringMatching(new RegExp(`^${key(pattern)}: .*${message}`))]);
  });

  test.each([
    ["^rancher/(.*)", "mirror/rancher/$1"], // Go: "mirror/rancher/coredns"
    ["^rancher/(.*)", "mirror/${1}x"], // Go: "mirror/corednsx"
    ["^rancher/(.*)", "mirror/$0"], // Go: "mirror/rancher/coredns"
    ["^(?P<ns>[^/]+)/(.*)$", "m/$ns/$2"], // Go: "m/rancher/coredns"
    ["^(?P<ns>[^/]+)/(.*)$", "m/${ns}_x/${2}"], // Go: "m/rancher_x/coredns"
    ["^rancher/(.*)", "mirror/rancher-images"], // no reference: every image to one name, as written
  ])("%s → %s is accepted", (pattern, replacement) => {
    const s = parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { [pattern]: replacement } } } }, undefined, false, ".");
    expect(s.config.mirrors["docker.io"].rewrite).toEqual({ [pattern]: replacement });
  });

  const accepted = (pattern: string, replacement: string) =>
    parseRegistriesConfig({ mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { [pattern]: replacement } } } }, undefined, false, ".").config.mirrors["docker.io"].rewrite;

  test("a group named twice counts once in a replacement, as Go's Expand finds it by name", () => {
    expect(accepted("^(?P<ns>[^/]+)/(?P<ns>.*)$", "m/$ns/$2")).toEqual({ "^(?P<ns>[^/]+)/(?P<ns>.*)$": "m/$ns/$2" });
    expect(rewrite("^(?P<ns>[^/]+)/(?P<ns>.*)$", "m/$ns/$3")).toEqual([expect.stringMatching(/refers to group 3, which the pattern does not have \(\$1 to \$2, \$\{ns\}\)/)]);
  });

  // containerd replaces each match in the repository (remotes/docker/resolver.go, ReplaceAllString):
  // '' drops what matched, and a pattern matching a whole name leaves none (Go: "" for library/x).
  test.each([
    ["^library/(.*)", "'' rewrites the repository 'library/x' to ''.*or fails the pull\\. Fix: to drop only the start of the name, match only that: '\\^library/' with '' rewrites 'library/x' to 'x'$"],
    ["^rancher/.*$", "'' rewrites the repository 'rancher/x' to ''.*Fix: .*'\\^rancher/' with ''"],
    ["(.*)", "'' rewrites the repository 'x' to ''.*Fix: write the name to pull instead, such as 'mirror/\\$0', or remove the rule$"],
  ])("%s → '' empties a repository and is refused", (pattern, message) => {
    expect(rewrite(pattern, "")).toEqual([expect.stringMatching(new RegExp(`^${key(pattern)}: ${message}`))]);
  });

  test("'' that drops only a prefix is accepted", () => {
    expect(accepted("^library/", "")).toEqual({ "^library/": "" }); // Go: "nginx" for library/nginx
  });

  test("an uncompilable pattern reports the pattern only, not its replacement too", () => {
    expect(rewrite("^rancher/(.*", "mirror/$2")).toEqual([expect.stringMatching(/not a regular expression containerd can compile/)]);
  });
});

describe("k3s's own registries.yaml spelling", () => {
  test("tls.insecure_skip_verify (as in k3s's docs) is accepted and renders as k3s reads it", () => {
    const settings = parseRegistriesConfig({ configs: { "reg.lan:5000": { tls: { insecure_skip_verify: true } } } }, undefined, false, ".");
    expect(settings.tls["reg.lan:5000"].insecureSkipVerify).toBe(true);
    expect(parse(renderRegistriesYaml(settings)).configs).toEqual({ "reg.lan:5000": { tls: { insecure_skip_verify: true } } });
  });

  test("both spellings at once are refused; keep one", () => {
    const p = problems(() => parseRegistriesConfig({ configs: { "reg.lan": { tls: { insecure_skip_verify: true, insecureSkipVerify: false } } } }, undefined, false, "."));
    expect(p).toEqual([expect.stringMatching(/^k3s-stacks:registries\.configs\.reg\.lan\.tls: sets both insecureSkipVerify and k3s's spelling insecure_skip_verify\. Fix: keep one of them/)]);
  });
});
