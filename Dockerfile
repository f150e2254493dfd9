# Two stages: the first builds the web app and compiles the server to JavaScript (`pnpm build`,
# `pnpm build:server`); the second holds production dependencies only and runs the compiled server with
# plain Node, with no TypeScript loader and no build tools.
FROM node:20-bookworm-slim AS build
RUN npm install -g pnpm@12.4.2
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/schema/package.json packages/schema/
# pnpm applies our patches to dependencies as it installs them (pnpm-workspace.yaml, patchedDependencies).
COPY patches/ patches/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build && pnpm build:server

FROM node:20-bookworm-slim
RUN npm install -g pnpm@12.4.2
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/server/package.json apps/server/
COPY packages/schema/package.json packages/schema/
COPY patches/ patches/
# The compiled server imports its packages from apps/server/node_modules; the workspace's own are bundled.
RUN pnpm install --frozen-lockfile --prod --filter @marginalia/server
# The repository as it is laid out: the compiled server reads the migrations (drizzle/), the demo's fixture
# and the embedded database's worker where its sources say they are.
COPY . .
COPY --from=build /app/apps/web/dist apps/web/dist
COPY --from=build /app/apps/server/dist apps/server/dist
# MALLOC_ARENA_MAX: fewer native heaps for the server's threads (apps/server/src/heap-growth.ts, SERVER_ENV).
# DATA_DIR: where the embedded database lives when DATABASE_URL is unset. /app belongs to root and the server
# runs as node, so the directory is made here and given to node; a volume keeps it across containers (a
# new volume takes the directory's owner from the image).
ENV NODE_ENV=production PORT=8787 HOST=0.0.0.0 MALLOC_ARENA_MAX=2 DATA_DIR=/app/data
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
EXPOSE 8787
USER node
# Node itself as PID 1, so that the SIGTERM of `docker stop` reaches the server: it commits and relays what
# it accepted before exiting.
CMD ["node", "--max-semi-space-size=2", "apps/server/dist/main.js"]
