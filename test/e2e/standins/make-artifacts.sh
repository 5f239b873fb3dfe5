#!/usr/bin/env bash
# Lays out what the test's HTTP server offers, shaped like a k3s release download area:
#   WWW/install.sh                       install-script stand-in
#   WWW/<version>/k3s, k3s-arm64, k3s-armhf   k3s stand-in "built" for that version and arch
#   WWW/<version>/sha256sum-{amd64,arm64,arm}.txt
# usage: make-artifacts.sh WWW_DIR FLAGS_JSON VERSION...
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 3 ]] || { echo "usage: make-artifacts.sh WWW_DIR FLAGS_JSON VERSION..." >&2; exit 1; }
www=$1 flags=$2; shift 2
[[ -f $flags ]] || { echo "make-artifacts.sh: flag table $flags not found" >&2; exit 1; }
mkdir -p "$www"
install -m 0644 "$HERE/install.sh" "$www/install.sh"
flags_b64=$(base64 -w0 "$flags")
for version in "$@"; do
  [[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-rc[0-9]+)?\+k3s[0-9]+$ ]] || { echo "make-artifacts.sh: bad version $version" >&2; exit 1; }
  dir="$www/$version"
  mkdir -p "$dir"
  for pair in amd64: arm64:-arm64 arm:-armhf; do
    arch=${pair%%:*} suffix=${pair#*:}
    {
      echo '#!/usr/bin/python3'
      echo "BUILT_VERSION = \"$version\""
      echo "BUILT_ARCH = \"$arch\""
      echo "FLAGS_B64 = \"$flags_b64\""
      # The embedded etcd's client side (k3s-etcd.py) and the port-6443 listener (k3s-api.py) go
      # before k3s.py, whose last line runs main().
      tail -n +2 "$HERE/k3s-etcd.py"
      tail -n +2 "$HERE/k3s-api.py"
      tail -n +2 "$HERE/k3s.py"
    } >"$dir/k3s$suffix"
    chmod 0755 "$dir/k3s$suffix"
    (cd "$dir" && sha256sum "k3s$suffix" >"sha256sum-$arch.txt")
  done
done
