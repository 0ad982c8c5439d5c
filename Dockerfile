# syntax=docker/dockerfile:1
# Aya's web worker image: the built web app, the locked Python environment, a non-root user and a health check.
#   docker build -t aya .
#   docker run -p 8000:8000 -v aya-data:/data aya          # one worker, embedded catalog, offline model
# compose.yaml runs three of these behind nginx, with PostgreSQL and a three-node OpenSearch cluster.

# --- 1. the web app (React + Vite) -------------------------------------------------------------------------------
FROM node:22-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# --- 2. the Python environment, exactly as locked ----------------------------------------------------------------
FROM python:3.11-slim-bookworm AS python
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# dependencies first (a layer that changes only with uv.lock), then the project itself, installed non-editable
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra opensearch --no-install-project
COPY src/ src/
RUN uv sync --frozen --no-dev --extra opensearch --no-editable

# --- 3. the runtime: no compilers, no uv, no node ------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng libsndfile1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 aya \
 && useradd --system --uid 10001 --gid aya --home-dir /app --shell /usr/sbin/nologin aya \
 && mkdir -p /data /attachments && chown aya:aya /data /attachments
WORKDIR /app
COPY --from=python /app/.venv /app/.venv
COPY --from=web /src/frontend/dist /app/frontend/dist
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AYA_DATA_DIR=/data \
    AYA_HOST=0.0.0.0 \
    AYA_PORT=8000 \
    AYA_FRONTEND_DIST=/app/frontend/dist \
    AYA_LOG_FORMAT=json
USER aya
VOLUME ["/data"]
EXPOSE 8000
# SIGTERM: stop accepting, let streams finish for AYA_SHUTDOWN_TIMEOUT_S, save partial answers (give the container a
# stop timeout above that).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["aya", "serve"]
