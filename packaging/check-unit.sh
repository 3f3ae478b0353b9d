#!/usr/bin/env bash
# The unit's sandbox stays tight: systemd-analyze security --offline=true must score it at most
# MAX_EXPOSURE (issue 10: 2.0). Works without a running systemd (offline mode, systemd >= 252).
set -euo pipefail
cd "$(dirname "$0")/.."
unit=systemd/conveyord.service
max=${MAX_EXPOSURE:-2.0}
command -v systemd-analyze >/dev/null || { echo "check-unit.sh: systemd-analyze is missing (apt-get install systemd)" >&2; exit 1; }
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p' | tail -n 1)
if [ -z "$score" ]; then
  printf '%s\n' "$out" >&2
  echo "check-unit.sh: no exposure score in systemd-analyze's output (above)" >&2
  exit 1
fi
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s > m) }'; then
  printf '%s\n' "$out" | grep '✗' >&2 || true
  echo "check-unit.sh: FAIL $unit exposure $score > $max (the ✗ lines above are what adds to it)" >&2
  exit 1
fi
echo "check-unit.sh: $unit exposure $score <= $max"
