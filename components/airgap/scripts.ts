import { renderK3sBinaryLabel } from "../k3s/host/binary-label";
import { scriptFrame, shq } from "../remote/shell";

/** Root-owned home of staged airgap files on a node, one directory per k3s version. */
export const STAGE_ROOT = "/var/lib/rancher/k3s-stacks/airgap";
/** Where k3s imports image tarballs from at start and while running (reference §5). */
export const IMAGES_DIR = "/var/lib/rancher/k3s/agent/images";

/** One uploaded file and where it ends up after its checksum passed. */
export interface StagedFile {
  /** Name in the upload directory. */
  name: string;
  sha256: string;
  dest: string;
  mode: string;
  /** Pulumi resource that uploaded it (named in the fix when the upload is missing or corrupt). */
  resource: string;
}

/**
 * Creates `dir` (root-owned) and `dir/upload`, owned by the SSH user so the SFTP upload can write
 * there without root. Delete removes the version's staged files once the stack no longer uses them.
 */
export function renderStageDirScript(opts: { dir: string; user: string }): string {
  const dir = shq(opts.dir);
  return scriptFrame(`airgap staging directory ${opts.dir}`, {
    create: `install -d -m 0755 ${shq(STAGE_ROOT)} ${dir}
install -d -m 0700 -o ${shq(opts.user)} ${dir}/upload`,
    delete: `rm -rf ${dir}`,
  });
}

/**
 * Checks every upload with sha256sum and moves it into place (binary and install.sh into the staging
 * directory, images into the k3s import directory). Files already in place with the right hash are
 * accepted, so a run that failed halfway converges on the next one.
 */
export function renderVerifyScript(opts: { node: string; dir: string; files: StagedFile[]; imagesPrefix: string; imagesDir?: string }): string {
  const imagesDir = opts.imagesDir ?? IMAGES_DIR;
  const places = opts.files.map((f) => `place ${shq(f.name)} ${shq(f.sha256)} ${shq(f.dest)} ${f.mode} ${shq(f.resource)}`).join("\n");
  const imageDests = opts.files.filter((f) => f.dest.startsWith(`${imagesDir}/`)).map((f) => f.dest);
  return scriptFrame(`verify airgap files for ${opts.node}`, {
    create: `upload=${shq(`${opts.dir}/upload`)}
sha_of() { sha256sum "$1" | cut -d ' ' -f 1; }
# place NAME SHA256 DEST MODE RESOURCE
place() {
  local src="$upload/$1" want="$2" dest="$3" got
  if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$want" ]; then
    rm -f "$src"
    echo "k3s-stacks: $dest already in place"
    return 0
  fi
  if [ ! -f "$src" ]; then
    echo "k3s-stacks: $src is missing on ${opts.node}. Fix: re-upload it: pulumi up --replace <URN of $5> (pulumi stack --show-urns lists it)." >&2
    exit 1
  fi
  got=$(sha_of "$src")
  if [ "$got" != "$want" ]; then
    rm -f "$src"
    echo "k3s-stacks: $src on ${opts.node} has sha256 $got, expected $want (upload corrupt). Fix: pulumi up --replace <URN of $5>." >&2
    exit 1
  fi
  install -d -m 0755 "$(dirname "$dest")"
  mv -f "$src" "$dest.k3s-stacks-tmp"
  chown 0:0 "$dest.k3s-stacks-tmp"
  chmod "$4" "$dest.k3s-stacks-tmp"
  mv -f "$dest.k3s-stacks-tmp" "$dest"
  echo "k3s-stacks: $dest verified (sha256 $want)"
}
${places}
# Another format of the same arch's images (from an earlier bundle) would be imported as well.
for f in ${shq(imagesDir)}/${shq(opts.imagesPrefix)}*; do
  [ -e "$f" ] || continue
  case "$f" in
${imageDests.map((d) => `    ${shq(d)}) ;;`).join("\n")}
    *) rm -f "$f" ;;
  esac
done`,
  });
}

/**
 * Shell the core runs as root right before the staged install.sh (first install and upgrade): puts
 * the staged binary where install.sh expects it. Only then, not at staging: a running node must keep
 * its old binary (and reported version) until the rollout reaches it. `binDir` is INSTALL_K3S_BIN_DIR
 * when one is set; install.sh's own choice is repeated otherwise. The binary then gets install.sh's
 * SELinux label, which install.sh itself skips in airgap (renderK3sBinaryLabel).
 */
export function renderPreInstall(opts: { dir: string; k3sSha256: string; binDir?: string; node?: string }): string {
  const binDir = opts.binDir
    ? `airgap_bin=${shq(opts.binDir)}`
    : `# Same choice as install.sh: /usr/local/bin unless it is read-only and /opt/bin exists.
airgap_bin=/usr/local/bin
if ! { touch "$airgap_bin/.k3s-stacks-rw" && rm -f "$airgap_bin/.k3s-stacks-rw"; } 2>/dev/null && [ -d /opt/bin ]; then
  airgap_bin=/opt/bin
fi`;
  return `airgap_src=${shq(`${opts.dir}/k3s`)}
airgap_want=${shq(opts.k3sSha256)}
${binDir}
airgap_have=$(sha256sum "$airgap_src" | cut -d ' ' -f 1)
if [ "$airgap_have" != "$airgap_want" ]; then
  echo "k3s-stacks: $airgap_src has sha256 $airgap_have, expected $airgap_want. Fix: pulumi up --replace <URN of this node's airgap verify resource>." >&2
  exit 1
fi
if [ ! -f "$airgap_bin/k3s" ] || [ "$(sha256sum "$airgap_bin/k3s" | cut -d ' ' -f 1)" != "$airgap_want" ]; then
  cp "$airgap_src" "$airgap_bin/k3s.k3s-stacks-new"
  chmod 0755 "$airgap_bin/k3s.k3s-stacks-new"
  mv -f "$airgap_bin/k3s.k3s-stacks-new" "$airgap_bin/k3s"
fi
${renderK3sBinaryLabel('"$airgap_bin/k3s"', opts.node ?? "$(uname -n)")}`;
}
