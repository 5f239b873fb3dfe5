#!/usr/bin/env bash
# Regenerates columns of components/rules/kubernetes-flag-table.json from the Kubernetes source of each
# release line's newest patch (Go module proxy; about 10 minutes of compiling per line on 2 cores). Run
# it when k3s adds a release line; lines not given keep their column, and the lines must stay
# consecutive. The table holds:
#   tools/kubernetes-flags/generate.sh 1.30.14 1.31.14 1.32.13 1.33.13 1.34.4 1.35.4 1.36.3 1.37.2
# When the proxy lacks a staging module at the release's own version, name one of the same line for it
# (the program reads no flag or gate from k8s.io/kube-scheduler, which only has to compile):
#   K8S_STAGING_VERSIONS="k8s.io/kube-scheduler@v0.31.13" tools/kubernetes-flags/generate.sh 1.31.14
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
for version in "$@"; do
  line=${version%.*}
  minor=${line#1.}
  patch=${version##*.}
  work=$(mktemp -d)
  cp "$here/main.go" "$work/"
  modfile=$(cd "$work" && go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with its own tree,
  # which a dependent module does not see: point each at the release published with this version.
  {
    printf 'module kubernetesflags\n\ngo 1.24\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$version"
    grep -oE '^\s*k8s.io/[a-z0-9-]+ v0\.0\.0$' "$modfile" |
      awk -v v="v0.$minor.$patch" -v named="${K8S_STAGING_VERSIONS:-}" '
        BEGIN { n = split(named, pairs, " "); for (i = 1; i <= n; i++) { split(pairs[i], p, "@"); at[p[1]] = p[2] } }
        { printf "  %s => %s %s\n", $1, $1, ($1 in at ? at[$1] : v) }' | sort -u
    printf ')\n'
  } > "$work/go.mod"
  (cd "$work" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 && go run . > "$out/$line.txt")
  rm -rf "$work"
  echo "k8s $version: $(grep -c '^flag ' "$out/$line.txt") kubelet flags, $(grep -c '^gate ' "$out/$line.txt") feature gates" >&2
done
table="$here/../../components/rules/kubernetes-flag-table.json"
npx ts-node --transpile-only "$here/merge.ts" "$out" "$table" > "$out/table.json"
mv "$out/table.json" "$table"
rm -rf "$out"
