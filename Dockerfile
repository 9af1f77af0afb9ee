# syntax=docker/dockerfile:1
# Node 24 LTS: the runtime CI tests on (.ci/run fetches the same major when the machine's is older).
FROM node:24-bookworm-slim AS build
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# SCARF_ANALYTICS=false: no install-time or run-time analytics calls from dependencies.
ENV NODE_ENV=production PORT=3000 DATA_DIR=/app/data SCARF_ANALYTICS=false
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# glibc keeps up to 8 malloc arenas per core, one per busy thread (libuv's pool, V8's helpers, the
# phone worker), and holds on to what they freed; two are enough here and keep RSS lower
# (docs/performance.md). A fixed mmap threshold of 128 KiB: glibc otherwise raises it each time a
# large block is freed, after which the 1 MiB buffers of uploads and database messages come from
# the heap and stay there (a 1,000,000-row import peaked at 268-314 MB without it, 270-287 MB
# with it). --max-semi-space-size=16 below keeps Node 20's young generation: Node 24
# lets it grow to 3 x 64 MB, ~100 MB more RSS during an import for no measurable speed.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
EXPOSE 3000
# Liveness only: a database outage must not get every instance restarted (readiness is
# /health/ready, for load balancers and orchestrators; see docs/operations.md).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1 and handles SIGTERM itself: readiness fails, requests drain for up to
# SHUTDOWN_TIMEOUT_SECONDS, leases are released, then it exits. Give `docker stop` more time
# than that (compose: stop_grace_period).
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=16", "dist/main.js"]
