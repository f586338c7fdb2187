# syntax=docker/dockerfile:1
#
# Portal Judicial: one image for every service and the gateway.
# The process to run is chosen by the command (see deploy/k8s/base/*.yaml), e.g.
#   python -m nameko run --config deploy/config.yaml services.filings.service:FilingsService
#
# Build (from the repository root; requirements.lock was resolved for CPython 3.11 on x86_64 Linux):
#   docker build --platform linux/amd64 -t <registry>/portal-judicial:<version> .
#
# Production uses an external MongoDB replica set reached through MONGO_URI (and an external
# RabbitMQ through AMQP_URI). The image holds only the runtime dependencies, installed from
# requirements.lock (pinned versions with their hashes, made by `make lock` from pyproject.toml's
# dependency list): no dev extra (the local stack's embedded mongod, pytest, Playwright...).
# Layers: the dependencies first, the code after, so a code change rebuilds only the code layer.

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# --- the web portal: npm ci and esbuild into web/dist (the gateway serves it at /) -------------
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN node build.mjs

# --- dependencies: requirements.lock only, every file checked against its hash ------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY requirements.lock ./
# Bytecode is compiled here because the root filesystem is read-only at run time.
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock \
 && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib/python3.11/site-packages

# --- runtime --------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="portal-judicial" \
      org.opencontainers.image.description="Portal Judicial: servicios electrónicos (nameko sobre RabbitMQ y MongoDB)"

# A fixed numeric UID/GID so Kubernetes can verify runAsNonRoot.
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin portal

COPY --from=build /opt/venv /opt/venv

# The code is not pip-installed: it lives in /app (on PYTHONPATH), next to deploy/config.yaml, which
# `nameko run --config deploy/config.yaml` finds from WORKDIR and load_config() (CLI tools such as
# `python -m gateway.tokens`) through PORTAL_CONFIG.
WORKDIR /app
COPY --from=web /web/dist /app/web/dist
COPY deploy/config.yaml deploy/config.yaml
COPY contracts ./contracts
COPY gateway ./gateway
COPY services ./services
RUN python -m compileall -q -j 0 /app/contracts /app/gateway /app/services

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORTAL_CONFIG=/app/deploy/config.yaml \
    WEB_DIST_DIR=/app/web/dist \
    HOME=/tmp

USER 10001:10001
# 8000: gateway HTTP (GATEWAY_PORT); 9100: Prometheus metrics (METRICS_PORT)
EXPOSE 8000 9100

# nameko installs a SIGTERM handler (graceful stop: finish running workers, then exit),
# so it can be PID 1 directly (exec form, no shell in between).
CMD ["python", "-m", "nameko", "run", "--config", "deploy/config.yaml", "gateway.service:Gateway"]
