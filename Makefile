# Shouwang (守望) — two commands matter: `make run` and `make test`.
# Everything they need is installed here: uv (into .tools), the Python workspace (.venv, from
# uv.lock), Java and Maven when missing (Debian packages), and the Kafka jars (Maven Central).

SHELL := /bin/bash
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PYTEST_ARGS ?=
MATCHING_SRC := services/matching/src/matching
MATCHING_NATIVE := $(MATCHING_SRC)/native.json

.PHONY: run test setup system-deps lint typecheck unit schemas clean

run: setup ## Kafka, PostgreSQL, the five services and the demo county, until Ctrl-C
	$(UV) run shouwang-stack run

test: setup ## ruff, mypy, then every test (unit, integration on real Kafka/PostgreSQL, e2e)
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy .
	$(UV) run pytest $(PYTEST_ARGS)

setup: system-deps $(UV) .venv/.synced .cache/kafka/.fetched $(MATCHING_NATIVE)

system-deps:
	@command -v java >/dev/null && command -v mvn >/dev/null || { \
	  echo "installing Java 17 and Maven (Debian packages)"; \
	  apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless maven; }
	@{ command -v chromium >/dev/null && test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; } || { \
	  echo "installing Chromium and a Chinese font (Debian packages) for the browser tests"; \
	  apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-microhei; }

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml libs/*/pyproject.toml)
	$(UV) sync --frozen
	@touch $@

# Matching's linker compiled with mypyc (C compiler and Python headers; without them it says so
# and the linker runs interpreted). Rebuilt whenever one of its sources changes; a compiled
# module whose source changed since is never used (services/matching/src/matching/native.py).
$(MATCHING_NATIVE): .venv/.synced $(MATCHING_SRC)/native.py \
    $(wildcard $(MATCHING_SRC)/domain/*.py $(MATCHING_SRC)/domain/linker/*.py)
	$(UV) run python -m matching.native build

.cache/kafka/.fetched: deploy/kafka/pom.xml .venv/.synced
	$(UV) run shouwang-stack fetch
	@touch $@

lint: setup
	$(UV) run ruff check . && $(UV) run ruff format --check .

typecheck: setup
	$(UV) run mypy .

unit: setup ## only the fast tests (no broker, no database)
	$(UV) run pytest -m "not integration and not e2e" $(PYTEST_ARGS)

schemas: setup ## regenerate proto/schemas after changing a contract
	$(UV) run shouwang-proto-export

clean:
	rm -rf .cache/dev .pytest_cache .mypy_cache .ruff_cache
	-$(UV) run python -m matching.native clean
