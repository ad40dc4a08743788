# ct API image. Build from the repository root:
#   docker build -f docker/api.Dockerfile -t ct-api .

# ---- build: install the workspace, compile @ct/api and its workspace dependencies, then cut a production-only copy
FROM node:24.21.0-bookworm-slim AS build

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
 && pnpm turbo run build --filter=@ct/api... \
 && pnpm --filter=@ct/api deploy --prod /out

# ---- runtime: Node and the compiled app with production dependencies only (swagger-ui-dist and
# @bull-board/ui serve their static files from node_modules; the IRIS SDK, which @ct/shared/audit loads, brings
# its own libssl and libcrypto beside irissdk.node and needs only glibc and libstdc++, which the node image has)
FROM node:24.21.0-bookworm-slim AS runtime

# NODE_ENV is for third-party libraries (express); ct itself reads only CT_ENV. The image defaults to production
# so that a missing connection variable fails at start-up instead of falling back to localhost.
ENV NODE_ENV=production \
    CT_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=3000

# The audit spool's volume mount point (docker-compose.yml): a new named volume copies this directory's
# owner, so the unprivileged user can write there; a missing directory would be created owned by root.
RUN mkdir -p /var/lib/ct/audit && chown 1000:1000 /var/lib/ct/audit

WORKDIR /app
# Owned by root and not writable by the app user: the process has no reason to modify its own code.
COPY --from=build /out/package.json ./package.json
COPY --from=build /out/node_modules ./node_modules
COPY --from=build /out/dist ./dist

# The node image's unprivileged `node` user, by number so that runtimes can verify it is not root.
USER 1000:1000
EXPOSE 3000

# Node runs as PID 1 directly: the API spawns no child processes and closes itself cleanly on SIGTERM.
CMD ["node", "dist/main.js"]
