# `make run` and `make test` keep the project's virtual environment in .venv/,
# refreshed whenever pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Atendimento precisa de Python 3.11 ou mais novo.") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Without TELEGRAM_BOT_TOKEN (environment or .env) `make run` opens the sandbox: the bot against a simulated Telegram,
# in the browser at http://127.0.0.1:8080.
run: $(STAMP)
	$(BIN)/atendimento secret-key --into .env
	@if $(BIN)/python -m sandbox.has_token; then \
		$(BIN)/atendimento run --prepare; \
	else \
		$(BIN)/atendimento sandbox; \
	fi

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) build *.egg-info
