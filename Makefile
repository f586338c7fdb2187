# Portal Judicial — make run | make test | make bench
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench install token clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m services.runtime.devstack run

test: $(STAMP)
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m tests.bench.run $(BENCH_ARGS)

# make token ROLE=lawyer SUB=abogado.nuevo NAME="Lic. Nuevo" BAR=99999 [COURT=01001]
token: $(STAMP)
	@$(PY) -m gateway.tokens --role $(ROLE) --sub $(SUB) $(if $(NAME),--name "$(NAME)") $(if $(BAR),--bar-number $(BAR)) $(if $(COURT),--court-id $(COURT))

clean:
	rm -rf $(VENV) .pytest_cache
