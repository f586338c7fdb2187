# Portal Judicial — make run | make test | make bench
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench fuzz lint install token clean pdfsig rebuild-queries

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m services.runtime.devstack run

test: $(STAMP) lint pdfsig
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m pytest -q $(PYTEST_ARGS)

# schemathesis against an isolated live stack, every operation, once per identity (see README, "Fuzzer")
fuzz: $(STAMP)
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m tests.fuzz.run $(FUZZ_ARGS)

# poppler's pdfsig checks the certificates' PAdES signatures in the tests (Debian package poppler-utils)
pdfsig:
	@command -v pdfsig >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; } || { echo "No se pudo instalar poppler-utils (pdfsig): instálelo con apt-get install poppler-utils" >&2; exit 1; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m tests.bench.run $(BENCH_ARGS)

# rebuild the public read model from filings' snapshot while the old one keeps serving (see README, "Consultas")
rebuild-queries: $(STAMP)
	$(PY) -m services.queries.rebuild $(REBUILD_ARGS)

# make token ROLE=lawyer SUB=abogado.nuevo NAME="Lic. Nuevo" BAR=99999 [COURT=01001]
token: $(STAMP)
	@$(PY) -m gateway.tokens --role $(ROLE) --sub $(SUB) $(if $(NAME),--name "$(NAME)") $(if $(BAR),--bar-number $(BAR)) $(if $(COURT),--court-id $(COURT))

clean:
	rm -rf $(VENV) .pytest_cache
