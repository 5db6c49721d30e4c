#!/usr/bin/env bash
# Runs every test of the repository: the same command CI runs (.ci/run).
# Needs the .NET 10 SDK, Node/npm (the build fetches llama.cpp's libraries with npm) and,
# for the browser tests, Debian's chromium and nginx-light, for the gateway tests Debian's postgresql, and curl and jq
# (installed here when missing and we are root).
set -euo pipefail
cd "$(dirname "$0")"

# chromium for the browser tests; nginx-light for the several-Dashboards test (a round-robin proxy of its own
# on loopback; the packaged service is not used); postgresql for the gateway tests (a throwaway cluster).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# curl and jq: the tests run docs/api.md's examples as written.
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} for the tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing: sudo apt-get install -y ${missing[*]} (the browser and gateway tests need them)" >&2
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# Build once, then run the test projects one after another (-m:1): each drives llama.cpp threads,
# and two suites spinning on the same 2 cores slow each other down many times over.
dotnet build CustomGpt.slnx --disable-build-servers -nologo -v quiet 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" = 0 ]; then
  dotnet test CustomGpt.slnx --no-build -m:1 --disable-build-servers "$@" 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi
set -e

# One closing line for the whole run, summed over the test projects.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { gsub(",", "", p); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
