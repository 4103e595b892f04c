#!/usr/bin/env bash
# What the MCP Apps browser tests need (tests/apps), installed when missing:
# Debian's chromium (Playwright's own browser download cannot be reached here; the tests launch
# this one by path) and the reference host, AppBridge from npm's @modelcontextprotocol/ext-apps,
# bundled by esbuild into tests/apps/host/dist/host.js. Idempotent; `make test` runs it.
set -euo pipefail

HOST_DIR="$(cd "$(dirname "$0")/../tests/apps/host" && pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

if ! command -v chromium >/dev/null; then
  echo "browser: installing chromium from Debian's packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { as_root apt-get update -qq >/dev/null && \
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
fi

if ! command -v npm >/dev/null; then
  echo "browser: installing npm from Debian's packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null \
    || { as_root apt-get update -qq >/dev/null && \
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
fi

# Rebuilt when the pinned packages or the host's source change.
if [ ! -s "$HOST_DIR/dist/host.js" ] || [ "$HOST_DIR/host.js" -nt "$HOST_DIR/dist/host.js" ] \
   || [ "$HOST_DIR/package-lock.json" -nt "$HOST_DIR/dist/host.js" ]; then
  echo "browser: bundling the AppBridge test host" >&2
  (cd "$HOST_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build)
fi
