# The server runs its TypeScript through tsx, as `pnpm start` does: there is no build step to drift.
FROM node:20-bookworm-slim
RUN npm install -g pnpm@12.4.2
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/schema/package.json packages/schema/
RUN pnpm install --frozen-lockfile
COPY . .
# The server serves the built web app from apps/web/dist.
RUN node_modules/.bin/vite build apps/web
ENV NODE_ENV=production PORT=8787 HOST=0.0.0.0
EXPOSE 8787
USER node
# Node itself as PID 1 (what `pnpm start` runs, without pnpm and the tsx CLI in between), so that the
# SIGTERM of `docker stop` reaches the server: it commits and relays what it accepted before exiting.
CMD ["node", "--import", "tsx", "apps/server/src/main.ts"]
