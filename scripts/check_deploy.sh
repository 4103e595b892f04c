#!/usr/bin/env bash
# Runs the real validators over the deployment files, each one only where it is installed
# (none needs a running Docker engine, Caddy or systemd). tests/test_deploy.py checks the same
# files' content in every `make test`; this checks their syntax against the tools themselves.
#
#   bash scripts/check_deploy.sh      (Debian: apt-get install caddy docker-compose systemd)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checked=0

# A copy beside a sample deploy/.env (compose reads it, and refuses a missing env_file), so an
# operator's real deploy/.env is never touched; nothing in the sample is a real secret.
mkdir -p "$work/deploy"
printf '%s\n' PUBLIC_HOST=mcp.msp.example ATERA_API_KEY=sample POSTGRES_PASSWORD=sample \
  REDIS_PASSWORD=sample >"$work/deploy/.env"
if docker compose version >/dev/null 2>&1; then
  cp deploy/compose.yaml "$work/deploy/compose.yaml"
  docker compose -f "$work/deploy/compose.yaml" config --quiet
  echo "compose.yaml: valid (docker compose)"; checked=$((checked + 1))
elif command -v docker-compose >/dev/null; then
  # Compose v1 predates the top-level `name:`; it checks everything else.
  grep -v '^name:' deploy/compose.yaml >"$work/deploy/compose.yaml"
  docker-compose -f "$work/deploy/compose.yaml" config --quiet
  echo "compose.yaml: valid (docker-compose v1, without its name: line)"; checked=$((checked + 1))
else
  echo "compose.yaml: not checked (no docker compose)"
fi

if command -v caddy >/dev/null; then
  PUBLIC_HOST=mcp.msp.example caddy validate --config deploy/Caddyfile --adapter caddyfile \
    >"$work/caddy.log" 2>&1 || { cat "$work/caddy.log"; exit 1; }
  PUBLIC_HOST=mcp.msp.example caddy fmt deploy/Caddyfile | diff -u deploy/Caddyfile - \
    || { echo "Caddyfile: not in caddy fmt's layout"; exit 1; }
  echo "Caddyfile: valid (caddy $(caddy version | cut -d' ' -f1))"; checked=$((checked + 1))
else
  echo "Caddyfile: not checked (no caddy)"
fi

if command -v systemd-analyze >/dev/null && [ -d /lib/systemd/system ]; then
  # An offline root: the system's own units, the two of ours, and a stand-in for the binary
  # (verify checks that ExecStart is executable).
  mkdir -p "$work/root/lib/systemd" "$work/root/etc/systemd/system" "$work/root/opt/atera-mcp/bin"
  cp -r /lib/systemd/system "$work/root/lib/systemd/"
  cp deploy/atera-mcp.service deploy/atera-mcp@.service "$work/root/etc/systemd/system/"
  printf '#!/bin/sh\n' >"$work/root/opt/atera-mcp/bin/atera-mcp"
  chmod +x "$work/root/opt/atera-mcp/bin/atera-mcp"
  out=$(systemd-analyze verify --root="$work/root" atera-mcp.service atera-mcp@8001.service 2>&1)
  [ -z "$out" ] || { echo "$out"; exit 1; }  # unknown keys are only warned about: fail on any
  echo "systemd units: valid ($(systemd-analyze --version | head -1))"; checked=$((checked + 1))
else
  echo "systemd units: not checked (no systemd-analyze)"
fi

echo "check_deploy: $checked of 3 validators ran"
