# Quick start:
#   make check   installs k8slint (a real, non-editable install) into .venv-check
#                and lints the shipped Todo Chatbot reference deployment
#   make test    installs k8slint with its test tools into .venv-test, runs the pinned
#                lint and type checks (make lint), then the suite

PYTHON ?= python3
CHECK_VENV := .venv-check
TEST_VENV := .venv-test

.PHONY: check test test-env lint docs clean

check:
	$(PYTHON) -m venv $(CHECK_VENV)
	$(CHECK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECK_VENV)/bin/python -m pip install --quiet .
	cd reference/todo-chatbot && ../../$(CHECK_VENV)/bin/k8slint check .

test: lint
	$(TEST_VENV)/bin/python -m pytest

test-env:
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TEST_VENV)/bin/python -m pip install --quiet -e '.[test]'

# ruff, ruff format and mypy at the versions pinned in pyproject.toml's test extra
lint: test-env
	$(TEST_VENV)/bin/ruff check .
	$(TEST_VENV)/bin/ruff format --check .
	$(TEST_VENV)/bin/mypy

# the rule docs and README table, and the README's pictures of the reference deployment's graph (docs/images)
docs:
	$(TEST_VENV)/bin/python -m k8slint.docs .
	$(TEST_VENV)/bin/python -m k8slint.docs_images .

clean:
	rm -rf $(CHECK_VENV) $(TEST_VENV) build dist .pytest_cache
