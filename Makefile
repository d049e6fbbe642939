# digestbot: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench quality install browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

install: $(STAMP) browser

# The web archive's browser tests drive Debian's chromium (never a downloaded build):
# installed with apt-get when missing and possible (root, as on CI), else one line says how.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium chromium-driver >/dev/null \
	      || { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }; \
	  else \
	    echo "browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver (DIGESTBOT_SKIP_BROWSER=1 skips them)"; \
	  fi; \
	fi

demo: $(STAMP)
	$(BIN)/digestbot demo

lint: $(STAMP)
	$(BIN)/ruff check bot adapters app tests bench
	$(BIN)/ruff format --check bot adapters app tests bench
	$(BIN)/mypy

test: lint browser
	$(BIN)/python -m pytest -q

# Processes are timed as an installed digestbot runs: from bytecode, as pip compiles it
# (with PYTHONDONTWRITEBYTECODE set, an editable checkout would compile every module at
# every start: ~13 ms of a 90 ms `digestbot release`).
bench: $(STAMP)
	$(BIN)/python -m compileall -q bot adapters app
	$(BIN)/python -m bench

# Extraction quality against the hand-checked episodes in tests/quality (docs/quality.md).
quality: $(STAMP)
	$(BIN)/python -m bench.quality

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
