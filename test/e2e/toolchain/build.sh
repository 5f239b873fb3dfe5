#!/usr/bin/env bash
# Provides the Pulumi toolchain for the end-to-end suite and prints the directory to put first on PATH.
#
# Tools already on PATH are used as they are (a user's machine). Missing ones are built with the
# machine's Go from the Go module proxy, at the versions of the npm packages in node_modules, and
# cached outside the repo by version:
#   ${K3S_STACKS_CACHE:-$HOME/.cache/k3s-stacks}/toolchain/<name>-<version>/bin/
# A second run that finds them builds nothing.
#
# usage: build.sh            prints this checkout's bin dir of links (also written to <cache>/toolchain/PATH)
#        build.sh --cli      builds (or finds cached) only the pulumi CLI and prints its bin dir;
#                            scripts/up.sh uses this on a machine with Go but no internet
# env:   K3S_STACKS_PULUMI_CLI_VERSION   force a CLI version (default: @pulumi/pulumi's, or the
#                                        nearest newer one the module proxy serves; never older)
#        GO                              Go binary (default /usr/local/go/bin/go, else go on PATH)
#        K3S_STACKS_E2E_PROVIDER_STANDINS  false: never build the provider stand-ins (test/e2e/providers)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
CACHE="${K3S_STACKS_CACHE:-$HOME/.cache/k3s-stacks}/toolchain"
GO=${GO:-}
if [[ -z $GO ]]; then
  if [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; else GO=$(command -v go || true); fi
fi
# How many minor releases above the SDK's to look for a CLI the proxy serves (bounded search).
MAX_CLI_SEARCH=30

log() { echo "toolchain: $*" >&2; }
die() { echo "toolchain: ERROR: $*" >&2; exit 1; }

npm_version() {
  local pkg=$1 file="$REPO/node_modules/@pulumi/$1/package.json"
  [[ -f $file ]] || die "$file not found: run npm ci first"
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$file" || die "cannot read version of @pulumi/$pkg"
}

# Go must fetch modules from the proxy only; never from VCS hosts directly.
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

module_available() {
  # A module version is usable when its zip downloads (some proxies serve .info/.mod but not the zip).
  local tmp rc=0
  tmp=$(mktemp -d)
  (cd "$tmp" && "$GO" mod init probe >/dev/null 2>&1 && "$GO" mod download "$1" >/dev/null 2>&1) || rc=1
  rm -rf "$tmp"
  return $rc
}

# Proxy look-ups are remembered, so a cached run needs no network.
resolved() { cat "$CACHE/resolved/$1" 2>/dev/null || true; }
remember() { mkdir -p "$CACHE/resolved"; echo "$2" >"$CACHE/resolved/$1"; }

timed() {
  local label=$1 start end; shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  log "$label took $((end - start))s"
  echo "$label $((end - start))s" >>"$CACHE/build-times.txt"
}

# Writes a build module that requires $1@$2 and repeats that module's non-local replace directives
# (a dependency's replaces are ignored by Go, and the CLI needs them to build).
write_build_module() {
  local dir=$1 module=$2 version=$3 gomod
  mkdir -p "$dir"
  gomod=$("$GO" env GOMODCACHE)/cache/download/$module/@v/$version.mod
  [[ -f $gomod ]] || die "missing $gomod after download"
  local godirective
  godirective=$(awk '$1 == "go" {print $2; exit}' "$gomod")
  {
    echo "module k3sstacks.local/e2e/toolchain/build"
    echo
    echo "go ${godirective:-1.22}"
    echo
    echo "require $module $version"
    awk '
      /^replace \(/ {inblock=1; next}
      inblock && /^\)/ {inblock=0; next}
      inblock {print "replace " $0; next}
      /^replace / {print}
    ' "$gomod" | grep -v '=> \.' || true
  } >"$dir/go.mod"
}

build_pulumi_cli() {
  local sdk_version=$1 want=${K3S_STACKS_PULUMI_CLI_VERSION:-} version="" n
  local known
  known=$(resolved "cli-atleast-${want:-auto}-$sdk_version")
  if [[ -n $known && -x $CACHE/pulumi-$known/bin/pulumi ]]; then
    [[ $known != "$sdk_version" ]] && log "using pulumi CLI v$known (v$sdk_version is not on the module proxy)"
    echo "$CACHE/pulumi-$known/bin"
    return
  fi
  if [[ -n $want ]]; then
    version=$want
    module_available "github.com/pulumi/pulumi/pkg/v3@v$version" || die "pulumi CLI v$version is not on the module proxy"
  else
    # The engine must be no older than the SDK it drives: take the SDK's version, else the first
    # newer minor release the proxy serves (it does not serve every release).
    local major minor _patch
    IFS=. read -r major minor _patch <<<"$sdk_version"
    if module_available "github.com/pulumi/pulumi/pkg/v3@v$sdk_version"; then
      version=$sdk_version
    else
      for ((n = 1; n <= MAX_CLI_SEARCH; n++)); do
        if module_available "github.com/pulumi/pulumi/pkg/v3@v$major.$((minor + n)).0"; then
          version=$major.$((minor + n)).0
          break
        fi
      done
      [[ -n $version ]] || die "no pulumi CLI (github.com/pulumi/pulumi/pkg/v3) at v$sdk_version or up to $MAX_CLI_SEARCH minor releases newer on the module proxy. Fix: put a pulumi CLI no older than v$sdk_version on PATH, or set K3S_STACKS_PULUMI_CLI_VERSION"
      log "pulumi CLI v$sdk_version is not on the module proxy; using v$version (newer engine, same major)"
    fi
  fi
  remember "cli-atleast-${want:-auto}-$sdk_version" "$version"
  local out="$CACHE/pulumi-$version"
  if [[ -x $out/bin/pulumi ]]; then
    echo "$out/bin"
    return
  fi
  local src="$CACHE/src/pulumi-$version"
  rm -rf "$src"
  mkdir -p "$src" "$out/bin.tmp"
  (cd "$src" && "$GO" mod download "github.com/pulumi/pulumi/pkg/v3@v$version")
  write_build_module "$src" github.com/pulumi/pulumi/pkg/v3 "v$version"
  (
    cd "$src"
    timed "pulumi-cli-resolve-$version" "$GO" get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"
    timed "pulumi-cli-compile-$version" "$GO" build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
      -o "$out/bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  ) >&2
  mv "$out/bin.tmp" "$out/bin"
  echo "$out/bin"
}

build_language_host() {
  local sdk_version=$1
  local module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  local srchash standin_out kind
  srchash=$(cat "$HERE/langhost/main.go" "$HERE/langhost/go.mod" | sha256sum | cut -c1-12)
  standin_out="$CACHE/langhost-standin-$sdk_version-$srchash"
  kind=$(resolved "langhost-$sdk_version")
  if [[ -z $kind ]]; then
    if module_available "$module@v$sdk_version"; then kind=real; else kind=standin; fi
    remember "langhost-$sdk_version" "$kind"
  fi
  if [[ $kind == real ]]; then
    local out="$CACHE/pulumi-language-nodejs-$sdk_version"
    if [[ ! -x $out/bin/pulumi-language-nodejs ]]; then
      local src="$CACHE/src/pulumi-language-nodejs-$sdk_version"
      rm -rf "$src"
      mkdir -p "$src" "$out/bin.tmp"
      (cd "$src" && "$GO" mod download "$module@v$sdk_version")
      write_build_module "$src" "$module" "v$sdk_version"
      (cd "$src" && timed "language-host-$sdk_version" "$GO" build -trimpath -ldflags "-s -w" -o "$out/bin.tmp/pulumi-language-nodejs" "$module") >&2
      mv "$out/bin.tmp" "$out/bin"
    fi
    echo "$out/bin"
    return
  fi
  # The real host is not published as a Go module (its go.mod replaces pkg/sdk with local paths
  # and it carries no module tag), so the proxy cannot serve it. Fall back to our own minimal
  # host, named as a stand-in, which runs the real @pulumi/pulumi cmd/run in node_modules.
  log "WARNING: $module@v$sdk_version is not on the module proxy; using the language-host STAND-IN (test/e2e/toolchain/langhost)"
  local out=$standin_out
  if [[ ! -x $out/bin/pulumi-language-nodejs ]]; then
    mkdir -p "$out/bin.tmp"
    local src="$CACHE/src/langhost-standin"
    rm -rf "$src"
    mkdir -p "$src"
    cp "$HERE/langhost/main.go" "$HERE/langhost/go.mod" "$src/"
    (
      cd "$src"
      timed "language-host-standin-resolve" "$GO" get "github.com/pulumi/pulumi/sdk/v3@v$sdk_version"
      timed "language-host-standin-compile" "$GO" build -trimpath -ldflags "-s -w" -o "$out/bin.tmp/pulumi-language-nodejs" .
    ) >&2
    mv "$out/bin.tmp" "$out/bin"
  fi
  echo "$out/bin"
}

# Builds the TEST STAND-IN plugin pulumi-resource-$1 from ../providers (Go, pulumi-go-provider),
# cached by a hash of those sources. Used only when the real plugin is neither on PATH nor buildable.
build_provider_standin() {
  local name=$1 version=$2 srchash out src
  srchash=$(cd "$HERE/../providers" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
  out="$CACHE/standin-$name-$version-$srchash"
  if [[ ! -x $out/bin/pulumi-resource-$name ]]; then
    [[ -x $GO ]] || die "no Go toolchain to build the pulumi-resource-$name stand-in"
    src="$CACHE/src/provider-standins-$srchash"
    rm -rf "$src" "$out"
    mkdir -p "$src" "$out/bin.tmp"
    cp -r "$HERE/../providers/." "$src/"
    (cd "$src" && timed "provider-standin-$name" "$GO" build -trimpath -ldflags "-s -w" \
      -o "$out/bin.tmp/pulumi-resource-$name" "./cmd/pulumi-resource-$name") >&2
    mv "$out/bin.tmp" "$out/bin"
  fi
  echo "$out/bin"
}

# Provider plugins: pulumi-command's provider module is untagged (only the repo root and sdk/
# carry tags) and pulumi-random's needs a local-path replace for its Terraform shim, so neither can
# be built from the module proxy. A plugin on PATH wins; otherwise the real module is built when
# the proxy serves it, else our stand-in (K3S_STACKS_E2E_PROVIDER_STANDINS=false: neither).
find_provider() {
  local name=$1 version=$2 module=$3
  if command -v "pulumi-resource-$name" >/dev/null 2>&1; then
    dirname "$(command -v "pulumi-resource-$name")"
    return
  fi
  local out="$CACHE/pulumi-resource-$name-$version"
  if [[ -x $out/bin/pulumi-resource-$name ]]; then
    echo "$out/bin"
    return
  fi
  if [[ -z $(resolved "provider-$name-$version") ]]; then
    if module_available "$module@v$version"; then
      remember "provider-$name-$version" available
    else
      remember "provider-$name-$version" unavailable
    fi
  fi
  if [[ $(resolved "provider-$name-$version") == available ]]; then
    local src="$CACHE/src/pulumi-resource-$name-$version"
    rm -rf "$src"
    mkdir -p "$src" "$out/bin.tmp"
    (cd "$src" && "$GO" mod download "$module@v$version")
    write_build_module "$src" "$module" "v$version"
    (cd "$src" && timed "provider-$name-$version" "$GO" build -trimpath -ldflags "-s -w" -o "$out/bin.tmp/pulumi-resource-$name" "$module/cmd/pulumi-resource-$name") >&2
    mv "$out/bin.tmp" "$out/bin"
    echo "$out/bin"
    return
  fi
  if [[ ${K3S_STACKS_E2E_PROVIDER_STANDINS:-true} == false ]]; then
    log "WARNING: pulumi-resource-$name v$version is not on PATH and $module@v$version is not on the module proxy"
    return
  fi
  log "WARNING: pulumi-resource-$name v$version is not on PATH and $module@v$version is not on the module proxy; using the provider STAND-IN (test/e2e/providers)"
  build_provider_standin "$name" "$version"
}

# <dir>/bin, the layout PulumiCommand.get({ root: <dir> }) expects.
bin_dir() { echo "$CACHE/checkout-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)/bin"; }

main() {
  mkdir -p "$CACHE"
  # Link directories of checkouts (ours, or another's from the PATH file on PATH) would make the
  # tools below resolve to links to themselves, or to another checkout's stand-ins, built from its sources.
  PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$CACHE/checkout-[0-9a-f]*/bin" | paste -sd: -)
  command -v node >/dev/null || die "node is required"
  local sdk_version cmd_version random_version
  sdk_version=$(npm_version pulumi)
  cmd_version=$(npm_version command)
  random_version=$(npm_version random)

  if [[ ${1:-} == --cli ]]; then
    [[ -x $GO ]] || die "no Go toolchain found to build the pulumi CLI. Fix: install Go (https://go.dev/dl/) or the pulumi CLI"
    build_pulumi_cli "$sdk_version"
    return
  fi

  local dirs=() path_cli=""
  if command -v pulumi >/dev/null 2>&1; then
    path_cli=$(pulumi version 2>/dev/null | sed 's/^v//')
    # An engine older than the SDK may not know what the SDK asks of it.
    if [[ -n $path_cli ]] && node -e 'const s=require(process.argv[1]);process.exit(s.gte(process.argv[2],process.argv[3])?0:1)' "$REPO/node_modules/semver" "${path_cli%%-*}" "$sdk_version"; then
      log "using pulumi v$path_cli from PATH: $(command -v pulumi)"
    else
      log "pulumi on PATH (v${path_cli:-unknown}) is older than @pulumi/pulumi v$sdk_version; building one"
      path_cli=""
    fi
  fi
  if [[ -n $path_cli ]]; then
    dirs+=("$(dirname "$(command -v pulumi)")")
  else
    [[ -x $GO ]] || die "pulumi is not on PATH and no Go toolchain was found to build it"
    dirs+=("$(build_pulumi_cli "$sdk_version")")
  fi
  if command -v pulumi-language-nodejs >/dev/null 2>&1; then
    dirs+=("$(dirname "$(command -v pulumi-language-nodejs)")")
  else
    dirs+=("$(build_language_host "$sdk_version")")
  fi
  local d
  d=$(find_provider command "$cmd_version" github.com/pulumi/pulumi-command/provider)
  [[ -n $d ]] && dirs+=("$d")
  d=$(find_provider random "$random_version" github.com/pulumi/pulumi-random/provider/v4)
  [[ -n $d ]] && dirs+=("$d")

  # One directory of links per checkout, so callers put a single entry on PATH and checkouts with
  # different stand-in sources do not swap each other's. Left alone when it already holds exactly
  # these links: other test runs may be using it right now.
  local bin f want="" have=""
  local -A seen=()
  bin=$(bin_dir)
  # One directory may hold several of the tools (a Pulumi install's bin has the CLI and language
  # hosts side by side), so it can appear more than once: the first link of each name wins. Links
  # point at the tools themselves: a tool found through another checkout's link directory (its PATH
  # file put first on PATH) was a link to that checkout's link, which that checkout replaces when it
  # rebuilds; two checkouts found through each other made a loop (ELOOP).
  for d in "${dirs[@]}"; do
    for f in "$d"/pulumi "$d"/pulumi-language-nodejs "$d"/pulumi-resource-*; do
      [[ -x $f && -z ${seen[$(basename "$f")]:-} ]] || continue
      seen[$(basename "$f")]=1
      want+="$(basename "$f") $(readlink -f "$f")"$'\n'
    done
  done
  if [[ -d $bin ]]; then
    for f in "$bin"/*; do
      [[ -L $f ]] && have+="$(basename "$f") $(readlink "$f")"$'\n'
    done
  fi
  if [[ $want != "$have" ]]; then
    rm -rf "$bin.tmp.$$"
    mkdir -p "$bin.tmp.$$"
    while read -r name target; do
      [[ -n $name ]] && ln -s "$target" "$bin.tmp.$$/$name"
    done <<<"$want"
    rm -rf "$bin"
    mv "$bin.tmp.$$" "$bin"
  fi
  echo "$bin" >"$CACHE/PATH"
  echo "$bin"
}

main "$@"
