# mig-tools: `make demo` shows the plugins on an emulated failed migration; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= restic-timeout
KUBECONFIG_OUT ?= $(CURDIR)/build/sim.kubeconfig
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 4
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv build kubectl chromium lint test demo sim bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(STAMP)

build: venv
	$(PY) build.py

# The end-to-end tests drive the real kubectl; Debian's kubernetes-client provides it.
kubectl:
	@command -v kubectl >/dev/null 2>&1 || { \
	  echo "installing kubectl (Debian kubernetes-client)" >&2; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq kubernetes-client >/dev/null; }
	@kubectl version --client >/dev/null 2>&1 || { echo "kubectl is not usable" >&2; exit 1; }

# report.html is checked in a real browser: Debian's chromium-headless-shell. Where it cannot be
# installed the test that needs it is skipped and says why.
chromium:
	@command -v chromium-headless-shell >/dev/null 2>&1 || { \
	  echo "installing chromium-headless-shell (Debian)" >&2; \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium-headless-shell >/dev/null; } || \
	  echo "chromium-headless-shell could not be installed: the report's browser test will be skipped" >&2; }

# ruff (ruff.toml) and mypy (mypy.ini) over the shipped code; the tests are linted by ruff too.
lint: venv
	$(VENV)/bin/ruff check lib plugins build.py tests
	$(VENV)/bin/mypy lib plugins build.py

# pytest exits 5 when it collected no tests: a suite that ran nothing must not pass.
test: lint build kubectl chromium
	@MIG_TOOLS_BUILT=1 $(PY) -m pytest -q -n $(PYTEST_WORKERS) tests $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# Serve the emulated clusters of a scenario until interrupted; the kubeconfig appears once all answer.
sim: venv
	$(PY) -m tests.emulator --scenario $(SCENARIO) --kubeconfig-out $(KUBECONFIG_OUT)

demo: build kubectl
	@$(PY) -m tests.demo --scenario $(SCENARIO)

bench: build kubectl
	$(PY) -m bench

clean:
	rm -rf build dist .pytest_cache
