# atera-mcp as a container: streamable HTTP on port 8000, run as an unprivileged user.
#
#   docker build -t atera-mcp .
#   docker run --rm -p 127.0.0.1:8000:8000 -e ATERA_API_KEY=... -e ATERA_ALLOWED_HOSTS=... atera-mcp
#
# deploy/compose.yaml runs three of these behind Caddy with Redis and PostgreSQL; the README's
# "Running several replicas" says how. Settings come from ATERA_* variables, never baked in.

# Build stage: install the package and its dependencies into a virtual environment that the
# runtime stage copies whole, so the runtime image holds no source tree and no build tools.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/atera-mcp
COPY pyproject.toml README.md /src/
COPY src /src/src
RUN /opt/atera-mcp/bin/pip install /src

FROM python:3.11-slim
# The service user owns only its state: tokens (read at every request, written by `token add`),
# the SQLite index when no ATERA_DATABASE_URL is set, and the audit log.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/atera-mcp \
        --shell /usr/sbin/nologin atera-mcp \
    && install -d -o atera-mcp -g atera-mcp -m 0700 \
        /var/lib/atera-mcp /var/lib/atera-mcp/tokens /var/cache/atera-mcp /var/log/atera-mcp
COPY --from=build /opt/atera-mcp /opt/atera-mcp
ENV PATH=/opt/atera-mcp/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    XDG_CACHE_HOME=/var/cache \
    ATERA_TOKENS_FILE=/var/lib/atera-mcp/tokens/tokens.json
USER atera-mcp
WORKDIR /var/lib/atera-mcp
EXPOSE 8000
# Liveness only: /healthz answers while the process serves. Readiness (/readyz: Atera, Redis,
# PostgreSQL reachable, index fresh) is for the load balancer, which stops sending traffic to a
# replica that is not ready; a restart would not make Atera reachable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# `docker run IMAGE token add --technician 12345` runs any other atera-mcp command.
ENTRYPOINT ["atera-mcp"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
