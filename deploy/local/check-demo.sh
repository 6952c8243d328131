#!/usr/bin/env bash
# Starts the demo N times in a row (default 20) and counts the runs that failed, then runs it once with --keep,
# sends the terminal's Ctrl-C (SIGINT to its whole process group) once the environment is up, and checks that the
# pull request was closed and its environment DELETED before anything stopped. After every run it checks that
# nothing of the demo is left: no process started from its folder, no folder, no bridge interface.
# Usage: deploy/local/check-demo.sh [N]
set -uo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh
runs=${1:-20}
logs=$(mktemp -d /tmp/stagecraft-demo-check.XXXXXX)
failed=0 leaks=0

bridges() { ip -o link show type bridge 2>/dev/null | awk '{print $2}' | sort; }
bridges_before=$(bridges)
leftovers() {
  local found="" new
  pgrep -f '/tmp/stagecraft-demo\.' >/dev/null && found+=" processes:$(pgrep -f '/tmp/stagecraft-demo\.' | tr '\n' ' ')"
  ls -d /tmp/stagecraft-demo.* >/dev/null 2>&1 && found+=" folders:$(ls -d /tmp/stagecraft-demo.* | tr '\n' ' ')"
  new=$(comm -13 <(echo "$bridges_before") <(bridges) | tr '\n' ' ')
  [ -n "${new// /}" ] && found+=" bridges:$new"
  echo "$found"
}

./mvnw -B -ntp -q install -DskipTests || exit 1
for i in $(seq 1 "$runs"); do  # N=0: only the Ctrl-C check
  start=$(date +%s.%N)
  if bash deploy/local/run.sh >"$logs/run-$i.log" 2>&1; then outcome=ok; else outcome=FAILED; failed=$((failed + 1)); fi
  left=$(leftovers)
  [ -n "$left" ] && leaks=$((leaks + 1))
  printf 'demo run %2d: %-6s %5.1fs %s %s\n' "$i" "$outcome" "$(echo "$(date +%s.%N) - $start" | bc)" \
    "$(grep -o 'READY in [0-9.]*s' "$logs/run-$i.log")" "${left:+left behind:$left}"
  if [ "$outcome" = FAILED ]; then grep -m3 -i 'in use\|failed\|exception' "$logs/run-$i.log" | sed 's/^/    /'; fi
done

# a background job of a script starts with SIGINT ignored; a terminal's foreground job does not: undo that first
setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!"' bash deploy/local/run.sh --keep \
  >"$logs/keep.log" 2>&1 &
leader=$!
for _ in $(seq 1 600); do grep -q 'press Ctrl-C' "$logs/keep.log" && break; sleep 0.5; done
kill -INT -- "-$leader"
wait "$leader"
code=$?
order=$(grep -o 'DELETED\|services stopped\|Kafka and PostgreSQL stopped' "$logs/keep.log" | tr '\n' ',')
left=$(leftovers)
keep=ok
[ "$order" = "DELETED,services stopped,Kafka and PostgreSQL stopped," ] || keep=FAILED
[ -n "$left" ] && keep=FAILED
printf 'demo --keep, Ctrl-C: %s (exit %s; order: %s) %s\n' "$keep" "$code" "$order" "${left:+left behind:$left}"

printf '%d of %d demo runs failed; %d left something behind; logs in %s\n' "$failed" "$runs" "$leaks" "$logs"
[ "$failed" -eq 0 ] && [ "$leaks" -eq 0 ] && [ "$keep" = ok ]
