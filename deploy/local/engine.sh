#!/usr/bin/env bash
# Makes sure what Stagecraft needs on this host is there and running: Docker engine (host networking only, no
# bridge), a local image registry on 127.0.0.1:5000, PostgreSQL binaries and a static busybox for the base image.
# Installs missing Debian packages when run as root; otherwise stops with a message naming what is missing.
set -euo pipefail

STATE_DIR=${STAGECRAFT_STATE_DIR:-/var/tmp/stagecraft}
REGISTRY_ADDR=${STAGECRAFT_REGISTRY:-127.0.0.1:5000}
mkdir -p "$STATE_DIR"

say() { printf 'stagecraft: %s\n' "$*" >&2; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing packages: ${missing[*]}; install them (apt-get install ${missing[*]}) or run this as root"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    say "no Docker engine answers on ${DOCKER_HOST:-/var/run/docker.sock}; start one (or run this as root)"
    exit 1
  fi
  say "starting dockerd (no bridge, no iptables)"
  nohup dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    >"$STATE_DIR/dockerd.log" 2>&1 &
  echo $! >"$STATE_DIR/dockerd.pid"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not come up; see $STATE_DIR/dockerd.log"; exit 1; }
fi

if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  say "starting the image registry on $REGISTRY_ADDR"
  mkdir -p "$STATE_DIR/registry"
  cat >"$STATE_DIR/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
  nohup docker-registry serve "$STATE_DIR/registry.yml" >"$STATE_DIR/registry.log" 2>&1 &
  echo $! >"$STATE_DIR/registry.pid"
  for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 || { say "registry did not come up; see $STATE_DIR/registry.log"; exit 1; }
fi
say "Docker engine and registry $REGISTRY_ADDR are up"
