# shellcheck shell=bash
# Sourced by scripts/up.sh (after `npm ci`, from the repo root): puts a pulumi CLI no older than the
# @pulumi/pulumi SDK in node_modules first on PATH, installing one for this user when there is none.
#   1. ${K3S_STACKS_PULUMI_ROOT}/bin/pulumi or a pulumi on PATH, when new enough;
#   2. else Pulumi's official installer (K3S_STACKS_PULUMI_INSTALLER_URL, default
#      https://get.pulumi.com/install.sh) at the SDK's version, into K3S_STACKS_PULUMI_ROOT;
#   3. else, with no internet but Go: built from the Go module proxy by test/e2e/toolchain/build.sh
#      (the SDK's version, or the first newer one the proxy serves), copied into K3S_STACKS_PULUMI_ROOT.
# Nothing needs root: K3S_STACKS_PULUMI_ROOT defaults to ~/.local/share/k3s-stacks/pulumi.

pulumi_root="${K3S_STACKS_PULUMI_ROOT:-${XDG_DATA_HOME:-$HOME/.local/share}/k3s-stacks/pulumi}"
pulumi_installer_url="${K3S_STACKS_PULUMI_INSTALLER_URL:-https://get.pulumi.com/install.sh}"

install_die() { echo "up.sh: $*" >&2; exit 2; }

pulumi_sdk_version() {
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$PWD/node_modules/@pulumi/pulumi/package.json"
}

# The version a pulumi binary reports, without the leading v (empty when it does not run).
pulumi_cli_version() { "$1" version 2>/dev/null | sed -n '1s/^v//p'; }

# Whether version $1 (a release, pre-release suffix ignored) is at least $2.
version_at_least() {
  node -e 'const s = require(process.argv[1]); process.exit(s.valid(process.argv[2]) && s.gte(process.argv[2], process.argv[3]) ? 0 : 1)' \
    "$PWD/node_modules/semver" "${1%%-*}" "$2"
}

# The Go toolchain to build with: $GO, else Go's default install path, else go on PATH.
go_binary() {
  local go="${GO:-}"
  if [ -z "$go" ]; then
    if [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go; else go="$(command -v go || true)"; fi
  fi
  [ -n "$go" ] && [ -x "$go" ] && echo "$go"
}

install_pulumi() {
  local want=$1 how script built go version
  script="$(mktemp)"
  if curl -fsSL --retry 2 --connect-timeout 10 --max-time 120 "$pulumi_installer_url" -o "$script" 2>/dev/null; then
    echo "up.sh: installing pulumi v${want} into ${pulumi_root}/bin with Pulumi's installer (${pulumi_installer_url})"
    sh "$script" --version "$want" --install-root "$pulumi_root" --no-edit-path >&2 || { rm -f "$script"; install_die "Pulumi's installer failed (output above). Fix: install pulumi v${want} or newer yourself (https://www.pulumi.com/docs/install/) and run this again."; }
    how="Pulumi's installer from ${pulumi_installer_url}"
  elif go="$(go_binary)"; then
    echo "up.sh: ${pulumi_installer_url} is unreachable; building pulumi from Go modules with ${go} (minutes on the first run, then cached)"
    built="$(GO="$go" test/e2e/toolchain/build.sh --cli)" || { rm -f "$script"; install_die "building pulumi from Go modules failed (output above). Fix: install pulumi v${want} or newer (https://www.pulumi.com/docs/install/) and run this again."; }
    mkdir -p "${pulumi_root}/bin"
    install -m 0755 "${built}/pulumi" "${pulumi_root}/bin/pulumi"
    how="built from Go modules with ${go}"
  else
    rm -f "$script"
    install_die "the pulumi CLI is missing, ${pulumi_installer_url} is unreachable and there is no Go toolchain to build it. Fix: install pulumi v${want} or newer (https://www.pulumi.com/docs/install/), or Go, and run this again."
  fi
  rm -f "$script"
  version="$(pulumi_cli_version "${pulumi_root}/bin/pulumi")"
  if [ -z "$version" ] || ! version_at_least "$version" "$want"; then
    install_die "${pulumi_root}/bin/pulumi reports v${version:-nothing}, not v${want} or newer. Fix: remove ${pulumi_root} and run this again."
  fi
  echo "up.sh: installed pulumi v${version} in ${pulumi_root}/bin (${how}). To run pulumi yourself: export PATH=\"${pulumi_root}/bin:\$PATH\""
}

# Puts a suitable pulumi first on PATH, installing it when needed.
ensure_pulumi() {
  local want candidate version chosen=""
  want="$(pulumi_sdk_version)"
  for candidate in "${pulumi_root}/bin/pulumi" "$(command -v pulumi || true)"; do
    if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then continue; fi
    version="$(pulumi_cli_version "$candidate")"
    if [ -n "$version" ] && version_at_least "$version" "$want"; then
      chosen="$candidate"
      break
    fi
    echo "up.sh: ${candidate} is pulumi v${version:-unknown}, older than the SDK this project uses (v${want}); installing a newer one for this user"
  done
  if [ -z "$chosen" ]; then
    install_pulumi "$want"
    chosen="${pulumi_root}/bin/pulumi"
  fi
  PATH="$(dirname "$chosen"):$PATH"
  export PATH
  # Pulumi's release ships the Node.js language host next to the CLI; a Go-built CLI has none.
  if ! command -v pulumi-language-nodejs >/dev/null 2>&1; then
    install_die "pulumi-language-nodejs (the Node.js language host) is neither next to ${chosen} nor on PATH, and it cannot be built from Go modules (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 is not published there). Fix: install Pulumi's release (https://www.pulumi.com/docs/install/), which ships it, or put it on PATH, and run this again."
  fi
}
