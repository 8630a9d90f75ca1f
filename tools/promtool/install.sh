#!/usr/bin/env bash
# Builds promtool (Prometheus's rule checker and rule unit-test runner) from the Go module proxy
# into a cache outside the checkout, so that `npm test` evaluates the alert rules the library
# ships (test/monitoring/). Prometheus 3.16.0 is Go module github.com/prometheus/prometheus v0.316.0.
# Idempotent: a second run finds the cache and returns at once. Prints the binary's path last.
# Environment: AGOGSAAS_PROMTOOL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/agogsaas-promtool).
set -euo pipefail
fail() { echo "promtool: error: $*" >&2; exit 1; }
command -v go >/dev/null || fail "Go is not installed (needs the machine's Go >= 1.26; see README)"
readonly RELEASE=3.16.0 MODULE_VERSION=v0.316.0
cache=${AGOGSAAS_PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agogsaas-promtool}
bin=$cache/$RELEASE/bin
if [[ -x $bin/promtool && -f $bin/.complete ]]; then
  echo "promtool: $RELEASE ready (cached) in $bin"
  echo "$bin/promtool"
  exit 0
fi
mkdir -p "$bin"
log=$cache/$RELEASE/build.log
started=$(date +%s)
echo "promtool: building $RELEASE from $(go env GOPROXY) (a few minutes on 2 cores; log: $log)"
# go install of a module version: its go.mod has no replace directives, so no wrapper module is needed.
if ! (cd "$cache" && GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -buildvcs=false" GOBIN="$bin" \
      go install -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=$RELEASE" \
      "github.com/prometheus/prometheus/cmd/promtool@$MODULE_VERSION") >"$log" 2>&1; then
  echo "promtool: error while building (full log: $log)" >&2
  grep -E 'reading https?://|not available|403|404|410|checksum mismatch' "$log" | tail -3 | sed 's/^/  /' >&2 || tail -15 "$log" | sed 's/^/  /' >&2
  exit 1
fi
"$bin/promtool" --version 2>&1 | grep -q "version $RELEASE" || fail "the built promtool does not report version $RELEASE"
touch "$bin/.complete"
echo "promtool: built $RELEASE in $(( $(date +%s) - started ))s"
echo "$bin/promtool"
