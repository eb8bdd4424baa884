# Convenience wrappers; run.sh is the real entry point (works without make).
.PHONY: setup reports test test-fast bench lint format lab
setup: ; ./run.sh setup
reports: ; ./run.sh reports
test: ; ./run.sh test
test-fast: ; ./run.sh test -m "not slow"
bench: ; ./run.sh bench
lab: ; ./run.sh lab
lint: ; ./run.sh lint
format: ; .venv/bin/ruff format . && .venv/bin/ruff check --fix .
