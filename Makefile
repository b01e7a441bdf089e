# Two verbs for a new machine: `make demo` and `make test`.  Both create the
# virtual environment .venv on first use (tools/setup_env.sh) and reuse it
# afterwards.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: env demo test clean-env

env:
	@VENV=$(VENV) bash tools/setup_env.sh

demo: env
	@$(PY) tools/demo.py

test: env
	@$(PY) -m pytest tests $(PYTEST_ARGS)

clean-env:
	rm -rf $(VENV)
