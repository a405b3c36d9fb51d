# Facet Coding Assistant. The first command on a fresh clone may be `make run` or `make test`.
SHELL := /bin/bash
PY_SYS ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EVAL_DIR ?= $(if $(wildcard ../shared/eval/dev-scenarios.jsonl),../shared/eval,tests/golden)
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint ingest eval bench browser clean help

help:
	@echo "make run | test | lint | ingest | eval | bench | clean"

$(STAMP): pyproject.toml
	@command -v $(PY_SYS) >/dev/null || { echo "Python 3.11 is required ($(PY_SYS) not found)"; exit 1; }
	test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned in pyproject.toml and comes from this machine's local CPU wheel.
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m ingest --if-missing
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

# Debian's Chromium for the real-browser tests, and a colour emoji font so the answers'
# ⛔ ⚠️ ℹ️ render (installed when missing and we are root).
browser:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and cannot install it: browser tests will skip"; fi; \
	fi
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || { \
	    echo "Installing Debian fonts-noto-color-emoji for emoji in the browser"; \
	    { apt-cache show fonts-noto-color-emoji >/dev/null 2>&1 || apt-get update -qq; } \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji >/dev/null \
	    || echo "could not install fonts-noto-color-emoji: emoji may show as boxes"; }; \
	fi

test: $(STAMP) browser
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check guardrails assistant ingest views app.py
	$(VENV)/bin/mypy guardrails assistant ingest

ingest: $(STAMP)
	$(PY) -m ingest

eval: $(STAMP)
	@mkdir -p data/eval
	$(PY) -m ingest --if-missing
	$(PY) -m guardrails decide --jsonl $(EVAL_DIR)/dev-scenarios.jsonl > data/eval/scenarios.out.jsonl
	$(PY) -m guardrails check --jsonl $(EVAL_DIR)/dev-checks.jsonl > data/eval/checks.out.jsonl
	$(PY) -m assistant ask --jsonl $(EVAL_DIR)/dev-questions.jsonl > data/eval/questions.out.jsonl
	$(PY) -m assistant.evaluate --eval-dir $(EVAL_DIR) --out-dir data/eval

bench: $(STAMP)
	$(PY) -m ingest --if-missing
	$(PY) -m assistant.bench

clean:
	rm -rf data .pytest_cache
