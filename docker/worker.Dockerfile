# ct worker image: the Node worker plus the Python pipeline environment it runs in child processes.
# Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t ct-worker .

# ---- base: Node 24 with Debian bookworm's Python 3.11. Every later stage starts here, so the pipeline's virtual
# environment is created against the same interpreter, at the same path, that runs it.
FROM node:24.21.0-bookworm-slim AS base
# Versions are not pinned: the base image is, and Debian drops superseded security builds from its archive.
# tini: the worker's children may leave orphans, and node as PID 1 would never reap them. libgomp1: LightGBM's
# wheel links the system's OpenMP runtime (scikit-learn's and numpy's wheels bring their own libraries).
# The IRIS SDK, which @ct/shared/audit loads, brings its own libssl and libcrypto beside irissdk.node: it needs
# nothing from here.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install --yes --no-install-recommends python3.11 libgomp1 tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# ---- node-build: install the workspace, compile @ct/worker and its workspace dependencies, cut a production copy
FROM base AS node-build

# Must match "packageManager" in package.json: pnpm 12 would otherwise fetch that version itself.
ARG PNPM_VERSION=12.4.2
# PNPM_HOME places pnpm's store; CI=true keeps pnpm and turbo non-interactive.
ENV PNPM_HOME=/pnpm \
    TURBO_TELEMETRY_DISABLED=1 \
    CI=true
RUN npm install --global "pnpm@${PNPM_VERSION}" && pnpm --version

WORKDIR /repo

# Fetch every package in the lockfile first: this layer is reused until these three files change, and the
# install below runs offline, so it cannot resolve anything the lockfile does not pin.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch

# Every workspace project's package.json (and the sources turbo builds) comes with the whole context, less
# .dockerignore: test/dockerfiles.spec.ts fails if a workspace package's manifest is not copied.
COPY . .
RUN pnpm install --offline --frozen-lockfile \
 && pnpm turbo run build --filter=@ct/worker... \
 && pnpm --filter=@ct/worker deploy --prod /out

# ---- python-build: the pipeline's environment, exactly as uv.lock pins it, without dev dependencies but with
# the `iris` extra, so that pipelines can read IRIS data sources (CT_IRIS_URL)
FROM base AS python-build
# The uv that scripts/lib/common.sh installs for the local stack, which wrote pipeline/uv.lock.
COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /usr/local/bin/uv

# Use the image's python3.11, never a downloaded one; compile bytecode now because the runtime user cannot
# write __pycache__ into a root-owned environment; copy (not hardlink) out of the cache mount.
ENV UV_PYTHON=/usr/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /app/pipeline
# Dependencies first, in their own layer, so that editing the pipeline's code does not reinstall them.
COPY pipeline/pyproject.toml pipeline/uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --extra iris --no-install-project

# --no-editable installs ct_pipeline into the environment itself, so the runtime image needs no source tree.
COPY pipeline/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --extra iris --no-editable

# ---- runtime
FROM base AS runtime

# NODE_ENV is for third-party libraries; ct itself reads only CT_ENV. The image defaults to production so that
# a missing connection variable fails at start-up instead of falling back to localhost. The pipeline's
# environment comes first on PATH, so `python` and the pipeline's console scripts resolve to it.
ENV NODE_ENV=production \
    CT_ENV=production \
    VIRTUAL_ENV=/app/pipeline/.venv \
    PATH="/app/pipeline/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# The volumes' mount points (docker-compose.yml): a new named volume copies its directory's owner, so the
# unprivileged user can write the audit spool; a missing directory would be created owned by root.
RUN mkdir -p /var/lib/ct/audit /var/lib/ct/data /var/lib/ct/projects \
 && chown 1000:1000 /var/lib/ct/audit /var/lib/ct/data /var/lib/ct/projects

WORKDIR /app
# Owned by root and not writable by the app user: the process has no reason to modify its own code.
COPY --from=python-build /app/pipeline/.venv /app/pipeline/.venv
# uv builds MLflow Projects' own environments at run time (CT_UV).
COPY --from=python-build /usr/local/bin/uv /usr/local/bin/uv
COPY --from=node-build /out/package.json ./package.json
COPY --from=node-build /out/node_modules ./node_modules
COPY --from=node-build /out/dist ./dist

# The node image's unprivileged `node` user, by number so that runtimes can verify it is not root.
USER 1000:1000

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
