# Shell functions shared by .ci/run, deploy/local/run.sh, up.sh and down.sh. Source it; do not run it.
#
# Every engine and registry started here is private to the folder it is given: its own data-root, exec-root,
# pidfile, containerd namespace and unix socket for dockerd, its own storage for the registry. Nothing a previous
# run left in another folder (an image, a network, a container) can be seen by one started in a new folder.

say() { printf 'stagecraft: %s\n' "$*" >&2; }

# Installs the Debian packages Stagecraft needs on this host when they are missing (as root), or names them.
# With --browser also Chromium and its driver, which the console's browser test drives (the tests need them; running
# Stagecraft does not).
stagecraft_packages() {
  local missing=()
  if [ "${1:-}" = "--browser" ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  fi
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  # MySQL datasets' image (stagecraft/base:mysql) is made from MariaDB's binaries; the -core packages hold the server
  # and client programs only, no service unit, so installing them starts no server on this machine
  [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server-core)
  [ -x /usr/bin/mariadb ] || missing+=(mariadb-client-core)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
  command -v caddy >/dev/null 2>&1 || missing+=(caddy)
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "missing packages: ${missing[*]}; install them (apt-get install ${missing[*]}) or run this as root"
    return 1
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Stagecraft runs its own engine, registry and router; the system services these packages start on a systemd host
  # would hold the ports up.sh uses (:80, :2019, :5000) and change the firewall (dockerd with iptables)
  # (only those of the packages installed just now: a Docker the host already ran is left alone)
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    local package unit units
    for package in "${missing[@]}"; do
      case $package in
        caddy) units="caddy";;
        docker-registry) units="docker-registry";;
        docker.io) units="docker.socket docker containerd";;
        *) units="";;
      esac
      for unit in $units; do
        if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
          say "stopping and disabling the packaged $unit service (Stagecraft starts its own)"
          systemctl disable --now "$unit" >/dev/null 2>&1 || true
        fi
      done
    done
  fi
}

# pid_alive FILE: the process whose pid FILE holds is running.
pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pid FILE [SECONDS]: SIGTERM the process FILE names, wait for it (SIGKILL after SECONDS, default 30).
stop_pid() {
  local file=$1 wait=${2:-30} pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((wait * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "pid $pid ($file) did not stop within ${wait}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# engine_start DIR POOL: a Docker engine whose state is all under DIR, listening on DIR/run/docker.sock, handing
# out bridge subnets from POOL (such as 10.213.0.0/16). No default bridge and no iptables, NAT or forwarding, so
# nothing a container does leaves this machine. Sets DOCKER_HOST.
engine_start() {
  local dir=$1 pool=$2 ns
  mkdir -p "$dir/data" "$dir/run"
  export DOCKER_HOST="unix://$dir/run/docker.sock"
  if pid_alive "$dir/run/dockerd.pid" && docker info >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "starting a Docker engine needs root"
    return 1
  fi
  if [ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" = 1 ]; then
    say "WARNING: net.ipv4.ip_forward is 1 on this host: without Docker's iptables rules, environments on different"
    say "  bridge networks can reach each other through the host. Set it to 0, or add a firewall rule that drops"
    say "  forwarding between br-* interfaces, to keep environments apart."
  fi
  ns="stagecraft-$(printf '%s' "$dir" | md5sum | cut -c1-8)"
  # setsid: a Ctrl-C in the terminal must not reach the engine before Stagecraft has torn its environments down
  setsid dockerd --data-root "$dir/data" --exec-root "$dir/run/exec" --pidfile "$dir/run/dockerd.pid" \
    --host "$DOCKER_HOST" --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins" \
    --bridge=none --iptables=false --ip-forward=false --ip-masq=false --ip6tables=false \
    --default-address-pool "base=$pool,size=24" \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    say "dockerd did not come up; see $dir/dockerd.log"
    tail -n 20 "$dir/dockerd.log" >&2 || true
    return 1
  fi
}

# engine_purge DIR: removes every container and network of the engine engine_start DIR started, and of no other
# (for throwaway engines: a network's bridge interface would outlive the engine's folder otherwise).
engine_purge() {
  local host="unix://$1/run/docker.sock" ids
  [ -S "$1/run/docker.sock" ] || return 0
  docker -H "$host" info >/dev/null 2>&1 || return 0
  ids=$(docker -H "$host" ps -aq 2>/dev/null || true)
  [ -z "$ids" ] || docker -H "$host" rm -f $ids >/dev/null 2>&1 || true
  docker -H "$host" network prune -f >/dev/null 2>&1 || true
}

# engine_stop DIR: stops the engine started by engine_start DIR (its containers stop with it).
engine_stop() {
  local dir=$1
  stop_pid "$dir/run/dockerd.pid" 60
}

# registry_start DIR [ADDR]: Debian's docker-registry with its storage in DIR/registry, on ADDR (default
# 127.0.0.1:0, a port the kernel picks; the port it got is read back from its log). Sets STAGECRAFT_REGISTRY.
registry_start() {
  local dir=$1 addr=${2:-127.0.0.1:0} bound=""
  mkdir -p "$dir/registry"
  if pid_alive "$dir/registry.pid" && [ -f "$dir/registry.addr" ]; then
    STAGECRAFT_REGISTRY=$(cat "$dir/registry.addr")
    if curl -fsS "http://$STAGECRAFT_REGISTRY/v2/" >/dev/null 2>&1; then
      export STAGECRAFT_REGISTRY
      return 0
    fi
  fi
  cat >"$dir/registry.yml" <<YAML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $dir/registry
  delete:
    enabled: true
http:
  addr: $addr
YAML
  : >"$dir/registry.log"
  if [ -d "$dir/registry/docker" ]; then
    # frees the blobs of manifests deleted while it ran (Stagecraft's registry clean-up deletes unused tags through
    # the API); safe only while the registry is stopped, so here, before it starts
    docker-registry garbage-collect "$dir/registry.yml" >"$dir/registry-gc.log" 2>&1 \
      || say "the registry's garbage collection failed; see $dir/registry-gc.log"
  fi
  setsid docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  for _ in $(seq 1 100); do
    bound=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$dir/registry.log" | tail -n 1)
    [ -n "$bound" ] && curl -fsS "http://$bound/v2/" >/dev/null 2>&1 && break
    pid_alive "$dir/registry.pid" || break
    sleep 0.2
  done
  if [ -z "$bound" ] || ! curl -fsS "http://$bound/v2/" >/dev/null 2>&1; then
    say "the image registry did not come up on $addr; see $dir/registry.log"
    tail -n 5 "$dir/registry.log" >&2 || true
    return 1
  fi
  echo "$bound" >"$dir/registry.addr"
  export STAGECRAFT_REGISTRY=$bound
}

# registry_stop DIR
registry_stop() {
  stop_pid "$1/registry.pid" 10
  rm -f "$1/registry.addr"
}

# router_start DIR [LISTEN] [ADMIN]: Caddy, the router users reach environments through, configured by Stagecraft
# through its admin API on ADMIN (host:port on loopback). It serves LISTEN (default: a free loopback port) and
# answers 404 with a page for host names no environment has. Every request is logged as JSON to DIR/access.log (the
# gateway reads it to put idle environments to sleep). Without LISTEN or ADMIN, ports are picked and picked
# again when another process takes them first. STAGECRAFT_ROUTER_SCHEME=https turns on Caddy's automatic HTTPS
# (its internal CA for local names such as *.localhost, ACME for a real domain). Sets STAGECRAFT_ROUTER_ADMIN and
# STAGECRAFT_ROUTER_PORT and STAGECRAFT_ROUTER_ACCESS_LOG.
router_start() {
  local dir=$1 listen=${2:-} admin=${3:-} scheme=${STAGECRAFT_ROUTER_SCHEME:-http} attempt l a https pki ports
  mkdir -p "$dir/caddy"
  if pid_alive "$dir/caddy.pid" && [ -f "$dir/caddy.env" ]; then
    . "$dir/caddy.env"
    export STAGECRAFT_ROUTER_ADMIN STAGECRAFT_ROUTER_PORT STAGECRAFT_ROUTER_ACCESS_LOG
    return 0
  fi
  for attempt in 1 2 3 4 5; do
    l=${listen:-127.0.0.1:$(shuf -i 20000-59999 -n 1)}
    a=${admin:-127.0.0.1:$(shuf -i 20000-59999 -n 1)}
    https='"automatic_https": {"disable": true},' pki='' ports=''
    if [ "$scheme" = https ]; then
      # certificates for the routes' host names: Caddy's internal CA for local names (its root stays in Caddy's data
      # folder, never added to the host's trust store), ACME for a real domain; no HTTP-to-HTTPS redirect server
      https='"automatic_https": {"disable_redirects": true},'
      pki='"pki": {"certificate_authorities": {"local": {"install_trust": false}}},'
      ports="\"https_port\": ${l##*:},"
    fi
    cat >"$dir/caddy.json" <<JSON
{
  "admin": {"listen": "$a"},
  "logging": {"logs": {
    "default": {"level": "WARN", "exclude": ["http.log.access"]},
    "access": {"include": ["http.log.access"], "encoder": {"format": "json"},
      "writer": {"output": "file", "filename": "$dir/access.log", "roll_size_mb": 20, "roll_keep": 1}}
  }},
  "apps": {$pki "http": {$ports "servers": {"stagecraft": {
    "listen": ["$l"],
    "logs": {},
    $https
    "routes": [{
      "@id": "stagecraft-no-environment",
      "handle": [{"handler": "static_response", "status_code": 404,
        "headers": {"Content-Type": ["text/html; charset=utf-8"]},
        "body": "<!doctype html><title>No environment here</title><h1>No environment answers at {http.request.host}</h1><p>Stagecraft has no environment for this address: it was removed (its pull request closed, its branch was deleted, or it expired), or it never existed.</p>\n"}]
    }]
  }}}}
}
JSON
    : >"$dir/caddy.log"
    XDG_DATA_HOME="$dir/caddy" XDG_CONFIG_HOME="$dir/caddy" HOME="$dir/caddy" \
      setsid caddy run --config "$dir/caddy.json" >"$dir/caddy.log" 2>&1 </dev/null &
    echo $! >"$dir/caddy.pid"
    for _ in $(seq 1 50); do
      curl -fsS "http://$a/config/" >/dev/null 2>&1 && break
      pid_alive "$dir/caddy.pid" || break
      sleep 0.1
    done
    if curl -fsS "http://$a/config/" >/dev/null 2>&1; then
      printf 'STAGECRAFT_ROUTER_ADMIN=http://%s\nSTAGECRAFT_ROUTER_PORT=%s\nSTAGECRAFT_ROUTER_ACCESS_LOG=%s\n' \
        "$a" "${l##*:}" "$dir/access.log" >"$dir/caddy.env"
      . "$dir/caddy.env"
      export STAGECRAFT_ROUTER_ADMIN STAGECRAFT_ROUTER_PORT STAGECRAFT_ROUTER_ACCESS_LOG
      return 0
    fi
    stop_pid "$dir/caddy.pid" 5
    if ! grep -q 'address already in use' "$dir/caddy.log" || { [ -n "$listen" ] && [ -n "$admin" ]; }; then
      break
    fi
  done
  say "the router (Caddy) did not start; see $dir/caddy.log"
  tail -n 5 "$dir/caddy.log" >&2 || true
  return 1
}

# router_stop DIR
router_stop() {
  stop_pid "$1/caddy.pid" 10
  rm -f "$1/caddy.env"
}

# remove_tree DIR: removes DIR after unmounting whatever an engine left mounted below it.
remove_tree() {
  local dir=$1
  [ -d "$dir" ] || return 0
  { grep -o " $dir/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$dir"
}
