# Aya — the two commands: `make run` and `make test`. Both start with `make install`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV_VERSION := 0.13.8
APT_PACKAGES := chromium espeak-ng sox libsndfile1 postgresql nginx
VENV := .venv
AYA := $(VENV)/bin/aya
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install install-system install-python install-frontend install-opensearch opensearch run run-cluster test test-python test-frontend check lint-frontend bench lint format clean

help:
	@echo "make run     install everything, ingest the sample catalog on first start, serve http://localhost:$(PORT)"
	@echo "make run-cluster  nginx on http://127.0.0.1:8080 in front of 3 workers and PostgreSQL (one machine)"
	@echo "make test    install everything and run every test"
	@echo "make check   what CI runs: lint (ruff, format, mypy, eslint, tsc), then every test"
	@echo "make bench   run every benchmark under benchmarks/"
	@echo "make lint    ruff + mypy --strict on src/"
	@echo "make opensearch  a local OpenSearch node in the foreground at http://127.0.0.1:9200"

install: install-system install-python install-frontend install-opensearch

# Debian packages the project uses (headless Chromium for browser tests, espeak-ng for speech, sox for audio tests,
# PostgreSQL server binaries: the tests start a throwaway server of their own).
install-system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# uv from PATH, else from pip (run as `python3 -m uv`, which needs no PATH or shim refresh).
install-python:
	@if command -v uv >/dev/null 2>&1; then uv=uv; \
	else python3 -m uv --version >/dev/null 2>&1 || { echo "installing uv $(UV_VERSION)"; python3 -m pip install -q "uv==$(UV_VERSION)"; }; uv="python3 -m uv"; fi; \
	$$uv sync --frozen --all-extras --quiet

install-frontend:
	@if [ -f frontend/package.json ]; then \
	  cd frontend && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build; \
	fi

# A local OpenSearch node from Maven Central artifacts (opensearch/pom.xml): Java 17 and Maven from Debian, the
# server, its plugins and the k-NN plugin's jars into opensearch/target. Rebuilt only when its sources change.
OPENSEARCH_APT := openjdk-17-jdk-headless maven
OPENSEARCH_NODE := opensearch/target/aya-opensearch-node.jar
install-opensearch: $(OPENSEARCH_NODE)

$(OPENSEARCH_NODE): opensearch/pom.xml $(wildcard opensearch/src/main/java/aya/opensearch/*.java)
	@missing=""; for p in $(OPENSEARCH_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	cd opensearch && mvn -q -B package

# A single OpenSearch node in the foreground at http://127.0.0.1:9200, its data under the data dir.
opensearch: install-opensearch install-python
	$(PY) -m aya.search.opensearch_node --http-port 9200 --home "$${AYA_DATA_DIR:-data}/opensearch"

run: install
	$(AYA) serve --host $(HOST) --port $(PORT)

# The production topology on one machine: nginx (Debian package) → 3 workers → PostgreSQL (AYA_DATABASE_URL, else a
# throwaway server); AYA_SEARCH_BACKEND=opensearch AYA_OPENSEARCH_URL=… moves the catalog to OpenSearch.
run-cluster: install
	$(PY) scripts/run_cluster.py --port 8080

test: install
	@$(MAKE) --no-print-directory test-python test-frontend

test-python:
	$(VENV)/bin/pytest -q -p no:cacheprovider

test-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm test --silent; fi

# One command equal to CI: the linters first (fast), then every test.
check: install
	@$(MAKE) --no-print-directory lint lint-frontend
	@$(MAKE) --no-print-directory test-python test-frontend

lint-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm run --silent lint && npm run --silent typecheck; fi

bench: install
	@set -e; for b in benchmarks/*_bench.py benchmarks/relevance.py benchmarks/conversation_eval.py; do [ -f $$b ] || continue; echo "== $$b"; $(PY) $$b; done

lint: install-python
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy src

format: install-python
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist .pytest_cache .mypy_cache .ruff_cache
