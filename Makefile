# monitor-watchdog developer entry points. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
APT_PACKAGES := prometheus prometheus-alertmanager prometheus-blackbox-exporter \
	systemd openssl ca-certificates curl python3-venv
PYTEST_ARGS ?=

.PHONY: help deps venv lint typecheck test ci run bench clean \
	demo demo-prereqs demo-stop demo-clean demo-status demo-am-stop demo-am-start \
	demo-logs-stop demo-logs-start demo-logs-drop demo-logs-nodrop demo-logs-pause \
	demo-logs-resume \
	demo-drill

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

deps:  ## install the Debian packages the tests and demo use (apt)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES)

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@if $(BIN)/pip show watchdog >/dev/null 2>&1; then \
		echo "error: the filesystem 'watchdog' package is installed in $(VENV); it would shadow ours"; exit 1; fi
	touch $(BIN)/activate

venv: $(BIN)/activate  ## create .venv with the project and its test tools

lint: venv  ## ruff (lint + format check)
	$(BIN)/ruff check watchdog devstack tests bench
	$(BIN)/ruff format --check watchdog devstack tests bench

typecheck: venv  ## mypy --strict over the package
	$(BIN)/mypy

test: lint typecheck  ## lint, type-check and run the whole test suite
	WATCHDOG_TEST_STRICT=1 $(BIN)/pytest $(PYTEST_ARGS)

ci: deps test  ## what CI runs on a fresh machine: install everything, then test

run: venv  ## run the daemon with config/local.yaml (probes what runs on this machine)
	$(BIN)/monitor-watchdog run -c config/local.yaml

bench: venv  ## benchmarks (JSON on stdout, also saved under bench/results/)
	$(BIN)/python -m bench.run_all

clean:  ## remove the venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# --- demo (docs/demo.md) -------------------------------------------------------------------
DEMO_ARGS ?=
DEMO := $(BIN)/python -m devstack.demo

demo-prereqs:
	@missing=""; \
	for b in prometheus prometheus-alertmanager; do \
		command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; done; \
	[ -x $(BIN)/python ] || $(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ] || command -v sudo >/dev/null 2>&1; then \
			echo "the demo needs Debian packages (missing:$$missing); installing them"; \
			$(MAKE) --no-print-directory deps; \
		else \
			echo "the demo needs Debian packages that are missing:$$missing"; \
			echo "as root run:  apt-get install -y --no-install-recommends $(APT_PACKAGES)"; \
			echo "then run 'make demo' again"; exit 1; \
		fi; \
	fi

demo: demo-prereqs venv  ## a real local stack + the daemon watching it (Ctrl-C stops); docs/demo.md
	$(DEMO) start $(DEMO_ARGS)

demo-stop:  ## stop every process the demo started (by PID)
	@if [ -x $(BIN)/python ]; then $(DEMO) stop; else echo "no $(VENV): no demo was started"; fi

demo-clean: demo-stop  ## stop the demo and remove demo-state/
	rm -rf demo-state

demo-status:  ## which demo processes run
	$(DEMO) status

demo-am-stop:  ## demo failure: stop Alertmanager
	$(DEMO) am-stop

demo-am-start:  ## demo: start Alertmanager again
	$(DEMO) am-start

demo-logs-stop:  ## demo failure: the log shipper stops forwarding to Elasticsearch
	$(DEMO) logs-stop elasticsearch

demo-logs-start:  ## demo: the log shipper forwards to Elasticsearch again
	$(DEMO) logs-start elasticsearch

demo-logs-drop:  ## demo failure: Elasticsearch silently loses 20% of the records
	$(DEMO) logs-drop elasticsearch --share 0.2

demo-logs-nodrop:  ## demo: Elasticsearch keeps every record again
	$(DEMO) logs-drop elasticsearch --share 0

demo-logs-pause:  ## demo failure: Elasticsearch unreachable, its records wait in the buffer
	$(DEMO) logs-pause elasticsearch

demo-logs-resume:  ## demo: the buffered records reach Elasticsearch
	$(DEMO) logs-resume elasticsearch

demo-drill:  ## the whole DR drill against the running demo (every stage; docs/operations-once-drill.md)
	$(BIN)/python -m watchdog drill -c demo-state/watchdog/watchdog.yaml \
		--stage vault-restore,log-failover,ca-outage,alerting --hold 5s
