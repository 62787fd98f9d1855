# syntax=docker/dockerfile:1
# The image of either service: which one is the build argument SERVICE, the port it listens on PORT.
# Build context: the repository root (npm workspaces share one lock file). docker-compose.yml builds both:
#   docker build --build-arg SERVICE=customer-service --build-arg PORT=8080 -t customer-service .
#   docker build --build-arg SERVICE=order-service --build-arg PORT=8081 -t order-service .

# ---- build: every dependency, compile the service and the libraries it references
FROM node:26.12.1-bookworm-slim AS build
ARG SERVICE
RUN case "$SERVICE" in customer-service|order-service) ;; \
      *) echo "build argument SERVICE must be customer-service or order-service, not '$SERVICE'" >&2; exit 1 ;; esac
WORKDIR /app
# Manifests first, so that the npm ci layer is reused while only sources change.
# npm ci checks the lock file against every workspace, so all workspace manifests are needed.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY lib/async/package.json lib/async/
COPY lib/contract/package.json lib/contract/
COPY lib/stream/package.json lib/stream/
COPY lib/service-kit/package.json lib/service-kit/
COPY lib/test-support/package.json lib/test-support/
COPY customer-service/package.json customer-service/
COPY order-service/package.json order-service/
COPY e2e/package.json e2e/
COPY load-test/package.json load-test/
COPY reliability/package.json reliability/
# patches/: fixes applied to dependencies after install (postinstall: patch-package).
COPY patches patches
RUN npm ci --no-audit --no-fund
COPY lib lib
COPY ${SERVICE} ${SERVICE}
RUN npx tsc -b "$SERVICE"

# ---- runtime: production dependencies of this workspace only, compiled JavaScript, non-root
FROM node:26.12.1-bookworm-slim AS runtime
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/lib/async/package.json lib/async/
COPY --from=build /app/lib/contract/package.json lib/contract/
COPY --from=build /app/lib/stream/package.json lib/stream/
COPY --from=build /app/lib/service-kit/package.json lib/service-kit/
COPY --from=build /app/lib/test-support/package.json lib/test-support/
COPY --from=build /app/customer-service/package.json customer-service/
COPY --from=build /app/order-service/package.json order-service/
COPY --from=build /app/e2e/package.json e2e/
COPY --from=build /app/load-test/package.json load-test/
COPY --from=build /app/reliability/package.json reliability/
RUN npm ci --omit=dev --ignore-scripts --workspace lib/async --workspace lib/contract --workspace lib/stream --workspace lib/service-kit --workspace "$SERVICE" --no-audit --no-fund && npm cache clean --force
# The patched stream client from the build stage (its patch is applied by a dev dependency).
COPY --from=build /app/node_modules/rabbitmq-stream-js-client node_modules/rabbitmq-stream-js-client
COPY --from=build /app/lib/async/dist/src lib/async/dist/src
COPY --from=build /app/lib/contract/dist/src lib/contract/dist/src
COPY --from=build /app/lib/stream/dist/src lib/stream/dist/src
COPY --from=build /app/lib/service-kit/dist/src lib/service-kit/dist/src
COPY --from=build /app/${SERVICE}/dist/src ${SERVICE}/dist/src
# The port last: images of one service on different ports (order1, order2) share every layer above.
ARG PORT
RUN case "$PORT" in ''|*[!0-9]*) echo "build argument PORT must be a port number, not '$PORT'" >&2; exit 1 ;; esac
ENV PORT=${PORT}
# The service's folder, as `npm start` runs it: CMD's exec form cannot expand SERVICE.
WORKDIR /app/${SERVICE}
USER node
EXPOSE ${PORT}
# Exec form: node is PID 1 and receives SIGTERM itself (graceful shutdown: drain, close stream, pool).
# --max-old-space-size: keeps V8's heap growth factor low, within the 200 MB resident target (see scripts/services.sh).
CMD ["node", "--max-old-space-size=1024", "--max-semi-space-size=8", "dist/src/main.js"]
