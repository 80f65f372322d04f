# Wijkbeeld. Two commands: `make run` (dashboard on http://localhost:8501) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
WAREHOUSE ?= data/warehouse.duckdb
PORT ?= 8501

.PHONY: run test demo build bench loadtest clean venv deps dev-deps chromium

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 of nieuwer nodig"' \
		|| { echo "Wijkbeeld heeft Python 3.11+ nodig ($(PYTHON) is ouder)."; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "Kon geen venv maken: installeer python3-venv (apt-get install python3-venv)."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.deps-stamp: requirements.txt | $(BIN)/python
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps-stamp: requirements-dev.txt requirements.txt | $(BIN)/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.deps-stamp
deps: $(VENV)/.deps-stamp
dev-deps: $(VENV)/.dev-deps-stamp

# Debian's Chromium for the browser tests (Playwright drives it through executable_path; no browser download).
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Chromium ontbreekt: installeren met apt-get (Debian-pakket chromium)"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium ontbreekt. Installeer het als root: apt-get install chromium (browsertests worden overgeslagen)."; \
	fi

$(WAREHOUSE): | $(VENV)/.deps-stamp
	$(PY) -m etl demo --build --warehouse $(WAREHOUSE)

demo: $(VENV)/.deps-stamp
	$(PY) -m etl demo --build --warehouse $(WAREHOUSE)

build: $(VENV)/.deps-stamp
	$(PY) -m etl build --warehouse $(WAREHOUSE)

run: $(VENV)/.deps-stamp $(WAREHOUSE)
	$(BIN)/streamlit run dashboard.py --server.port $(PORT)

test: $(VENV)/.dev-deps-stamp chromium
	$(PY) -m pytest -n 2 --dist loadgroup -q

bench: $(VENV)/.dev-deps-stamp
	$(PY) -m bench

loadtest: $(VENV)/.dev-deps-stamp $(WAREHOUSE)
	$(PY) -m bench.loadtest

clean:
	rm -rf $(VENV) data/demo data/warehouse.duckdb .pytest_cache
