# Cariosan server. Build: docker build -t cariosan .   Run: see docker-compose.yml.
# The container's CLI is /cariosan (e.g. `docker compose exec cariosan-server /cariosan workspace list`).
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @cariosan/server... build \
 && pnpm --filter @cariosan/server deploy --prod --legacy /app

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 CARIOSAN_DATA_DIR=/data
COPY --from=build /app /app
RUN printf '#!/bin/sh\nexec node /app/dist/cli.js "$@"\n' > /cariosan && chmod 755 /cariosan \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/cariosan"]
CMD ["serve"]
