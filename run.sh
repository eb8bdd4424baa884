#!/usr/bin/env bash
# One entry point for newcomers and CI. Each command sets everything up first (idempotent):
#   ./run.sh reports [ARGS]  all reports for the bundled dataset (the main job)
#   ./run.sh test [ARGS]     the test suite (what CI runs)
#   ./run.sh lint            ruff check, ruff format --check, import contracts (CI runs it first)
#   ./run.sh bench           the benchmarks (writes bench/results.md and .csv)
#   ./run.sh lab             JupyterLab on notebooks/explore.ipynb
#   ./run.sh setup           only the set-up
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
# WeasyPrint's libraries and a font with full Vietnamese coverage (reports); Chromium for the
# browser test of the HTML reports (tests only).
SYSTEM_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
TEST_PACKAGES=(chromium)

setup_system() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "setup: missing system packages (${missing[*]}); run: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

setup_python() {
  local stamp="$VENV/.installed"
  if [ -f "$stamp" ] && [ "$stamp" -nt requirements.lock ] && [ "$stamp" -nt pyproject.toml ]; then
    return
  fi
  [ -x "$PY" ] || python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
  "$PY" -m ipykernel install --sys-prefix --name python3 >/dev/null
  touch "$stamp"
}

setup_data() {
  "$PY" -m analysis data ensure
}

# The browser test's driver (playwright-core + axe-core, pinned by package-lock.json). Optional:
# without Chromium or Node.js the browser tests are skipped with the reason.
setup_browser_test() {
  if ! command -v node >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    setup_system nodejs npm || true
  fi
  setup_system "${TEST_PACKAGES[@]}" || echo "setup: chromium not installed; browser tests will be skipped" >&2
  if command -v npm >/dev/null 2>&1 && [ ! -d tests/browser/node_modules ]; then
    (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund) \
      || echo "setup: npm ci failed; browser tests will be skipped" >&2
  fi
}

setup() { setup_system "${SYSTEM_PACKAGES[@]}"; setup_python; setup_data; }

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  reports) setup; exec "$PY" -m analysis report "$@" ;;
  test) setup; setup_browser_test; exec "$PY" -m pytest "$@" ;;
  lint) setup_python
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/lint-imports" ;;
  bench) setup; exec "$PY" -m analysis bench "$@" ;;
  lab) setup; exec "$VENV/bin/jupyter" lab notebooks/explore.ipynb "$@" ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
