#!/usr/bin/env bash
# SHA-256 of every report the full batch builds (vi and en, all areas, HTML/PDF/xlsx) with a fixed
# SOURCE_DATE_EPOCH, into a temporary folder: the before/after check of a refactoring that must not
# change any output. Usage: bench/batch-checksums.sh [OUT.txt] [report options, e.g. --year 2024]
#   diff <(sort before.txt) <(sort after.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/dev/stdout}
shift || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SOURCE_DATE_EPOCH=1700000000 BPWB_REPORTS="$tmp" .venv/bin/python -m analysis report \
  --lang vi,en --force "$@" >"$tmp/.log" 2>&1 || { cat "$tmp/.log" >&2; exit 1; }
# index pages carry build times: not part of the comparison
(cd "$tmp" && find . -type f \( -name '*.html' -o -name '*.pdf' -o -name '*.xlsx' \) \
  ! -name index.html | sort | xargs sha256sum) >"$out"
