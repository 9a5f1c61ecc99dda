#!/usr/bin/env bash
# scale.sh: how the chat scales with server instances, on one Redis and on a
# Redis Cluster, under the same load.
#
# It builds cmd/server and cmd/chatload, starts a fresh single redis-server
# (no persistence) on a free port and a local 6-node Redis Cluster
# (.ci/cluster), and for every redis mode x instance count x rate x run
# starts the instances on free ports (a key prefix of the run's own), waits
# for their /health, runs chatload with the same load spread round-robin
# over them, keeps its JSON result and stops them. It prints a markdown
# table on stdout (also written to $OUT/scale.md): per mode, instances and
# rate the median deliveries/s and p99 over the runs, lost / undelivered /
# duplicated deliveries and error frames summed over the runs, the CPU of
# the servers and of Redis, and each run's figures.
#
#   cmd/chatload/scale.sh                   # the full matrix: 36 runs, about 9.5 minutes
#   RUNS=1 cmd/chatload/scale.sh            # one run each: about 3 minutes
#   RATES="300 600" MODES=cluster INSTANCES="1 3" cmd/chatload/scale.sh
#
# Settings (environment):
#   RUNS=3              runs of each configuration (the table shows medians)
#   RATES="300 0"       messages/s in total (chatload -rate); each message
#                       goes to every client: with 300 clients, 300/s = 90,000
#                       deliveries/s, what one instance sustains with room to
#                       spare on 2 cores, so that the instances are compared
#                       at the same fixed load (compare p99 and CPU; the
#                       deliveries/s only drop when a configuration falls
#                       behind). 0 is "max": a closed loop, each sender sends
#                       its next message when its previous one came back
#                       (window 1), which finds where a configuration stops
#                       scaling. A fixed higher rate works too (600: where one
#                       instance no longer keeps p99 low on a busy 2-core VM)
#   CLIENTS=300 SENDERS=30 DURATION=10s SIZE=100   the chatload load
#   MODES="single cluster"  INSTANCES="1 2 3"
#   SERVER_ENV="K=V ..."    more server variables, after the script's own (which
#                       set LOG_LEVEL=info: "disconnecting slow client" shows)
#   CHATLOAD_ARGS="..."     more chatload flags
#   OUT=dir             where the JSON results, logs and scale.md go
#                       (default: a new /tmp/chat-scale.XXXXXX, kept)
#   COOLDOWN=1          seconds of pause between runs
#
# Runs are interleaved (run 1 of every configuration, then run 2...), so a
# busy moment of the machine does not fall on one configuration only.
# Every server, chatload and Redis share the machine's cores: read the CPU
# columns before reading a ceiling into the figures. The script exits 1
# when a chatload run failed (loss, error frames, lost connections, failed
# setup); the table is printed anyway. In a "max" run on a busy machine the
# clients themselves can fall behind and be cut as slow (SEND_QUEUE: close
# 1013, or 1006 when even the close frame no longer fits): look for
# "disconnecting slow client" in the run's server logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"

RUNS=${RUNS:-3}
RATES=${RATES:-"300 0"}
CLIENTS=${CLIENTS:-300}
SENDERS=${SENDERS:-30}
DURATION=${DURATION:-10s}
SIZE=${SIZE:-100}
MODES=${MODES:-"single cluster"}
INSTANCES=${INSTANCES:-"1 2 3"}
SERVER_ENV=${SERVER_ENV:-}
CHATLOAD_ARGS=${CHATLOAD_ARGS:-}
COOLDOWN=${COOLDOWN:-1}
OUT=${OUT:-$(mktemp -d /tmp/chat-scale.XXXXXX)}
mkdir -p "$OUT"

log() { echo "scale: $*" >&2; }

for m in $MODES; do
  case $m in single | cluster) ;; *) log "MODES: $m is neither single nor cluster"; exit 2 ;; esac
done
for v in $RUNS $RATES $INSTANCES $CLIENTS $SENDERS; do
  [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || { log "not a number: $v"; exit 2; }
done

bin=$(mktemp -d /tmp/chat-scale-bin.XXXXXX)
server_pids=() redis_pid="" cluster_dir="" cluster_err=""
stop_servers() {
  local pid
  for pid in ${server_pids[@]+"${server_pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${server_pids[@]+"${server_pids[@]}"}; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  server_pids=()
}
cleanup() {
  stop_servers
  if [ -n "$cluster_err" ] && [ -z "$cluster_dir" ]; then
    cluster_dir=$(head -n 1 "$cluster_err" 2>/dev/null || true)
  fi
  if [ -n "$cluster_dir" ] && [ -d "$cluster_dir" ]; then .ci/cluster stop "$cluster_dir" || true; fi
  [ -n "$cluster_err" ] && rm -f "$cluster_err"
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$bin"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cpu_ticks PID...: user+system clock ticks of the processes, summed.
cpu_ticks() {
  local pid sum=0 f
  for pid in "$@"; do
    # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends
    # the command name.
    f=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    set -- $f
    sum=$((sum + ${12} + ${13}))
  done
  echo "$sum"
}
hz=$(getconf CLK_TCK)

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

t0=$(date +%s)
log "building cmd/server and cmd/chatload"
go build -o "$bin/server" ./cmd/server
go build -o "$bin/chatload" ./cmd/chatload

redis_pids=() # per mode: the processes whose CPU is Redis's
declare -A redis_env
if [[ " $MODES " == *" single "* ]]; then
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$OUT/redis.pid" --logfile "$OUT/redis.log"
  for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis_pid=$(cat "$OUT/redis.pid")
  redis_env[single]="REDIS_URL=redis://127.0.0.1:$rport/0"
  single_pids="$redis_pid"
  log "single Redis on port $rport (pid $redis_pid)"
fi
if [[ " $MODES " == *" cluster "* ]]; then
  cluster_err=$(mktemp /tmp/chat-scale-cluster.XXXXXX)
  if ! seeds=$(.ci/cluster start 2>"$cluster_err"); then
    cat "$cluster_err" >&2
    exit 1
  fi
  cluster_dir=$(head -n 1 "$cluster_err")
  redis_env[cluster]="REDIS_CLUSTER_ADDRESSES=$seeds"
  cluster_pids=$(cat "$cluster_dir"/*/pid | tr '\n' ' ')
  log "Redis Cluster $seeds ($cluster_dir)"
fi

# flush_redis MODE: an empty Redis for every run (these are this script's
# own servers). On a cluster, the replicas refuse (READONLY) and follow.
flush_redis() {
  local p
  if [ "$1" = single ]; then
    redis-cli -p "$rport" flushall >/dev/null
  else
    for p in $(echo "$seeds" | tr ',' '\n' | sed 's/.*://'); do
      redis-cli -p "$p" flushall >/dev/null 2>&1 || true
    done
  fi
}

# run_one MODE N RATE RUN: one measurement; a line of $OUT/runs.tsv.
failed_runs=0
run_one() {
  local mode=$1 n=$2 rate=$3 run=$4 tag urls="" i port pid prefix json rc
  tag="$mode-n$n-r$rate-$run"
  prefix="scale:$tag:$(date +%s%N | tail -c 7):"
  flush_redis "$mode"
  for i in $(seq "$n"); do
    port=$(free_port)
    # A clean environment: only what is set here reaches the server.
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" ${redis_env[$mode]} KEY_PREFIX="$prefix" \
      SERVER_ADDRESS="127.0.0.1:$port" BCRYPT_COST=4 TRUSTED_PROXY_HOPS=0 \
      LIMIT_EXEMPT_NETWORKS=127.0.0.0/8,::1/128 MAX_SOCKETS_PER_ADDRESS=0 \
      LIMIT_MESSAGES_PER_USER=0 LIMIT_SIGNUPS_PER_ADDRESS=0 LIMIT_SIGNIN_PER_ADDRESS=0 \
      RATE_LIMIT=1000 RATE_BURST=1000 SIGNIN_TIMEOUT=0 SHUTDOWN_TIMEOUT=3s LOG_LEVEL=info \
      $SERVER_ENV "$bin/server" >"$OUT/$tag.server$i.log" 2>&1 &
    server_pids+=($!)
    urls+="${urls:+,}http://127.0.0.1:$port"
  done
  for u in ${urls//,/ }; do
    local up=""
    for _ in $(seq 100); do
      if curl -fsS -o /dev/null --max-time 1 "$u/health" 2>/dev/null; then up=1; break; fi
      sleep 0.1
    done
    if [ -z "$up" ]; then
      log "$tag: $u/health did not answer 200 within 10 s; see $OUT/$tag.server*.log"
      tail -n 5 "$OUT/$tag".server*.log >&2 || true
      stop_servers
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$n" "$rate" "$run" "" 99 0 0 >>"$OUT/runs.tsv"
      failed_runs=$((failed_runs + 1))
      return
    fi
  done
  json="$OUT/$tag.json"
  local pids_redis
  if [ "$mode" = single ]; then pids_redis=$single_pids; else pids_redis=$cluster_pids; fi
  local s0 r0 w0 s1 r1 w1
  s0=$(cpu_ticks "${server_pids[@]}"); r0=$(cpu_ticks $pids_redis); w0=$(date +%s%N)
  rc=0
  "$bin/chatload" -url "$urls" -clients "$CLIENTS" -senders "$SENDERS" -rate "$rate" \
    -duration "$DURATION" -size "$SIZE" -name "${mode:0:1}${n}r${run}" -quiet -json "$json" $CHATLOAD_ARGS \
    2>"$OUT/$tag.chatload.log" || rc=$?
  s1=$(cpu_ticks "${server_pids[@]}"); r1=$(cpu_ticks $pids_redis); w1=$(date +%s%N)
  stop_servers
  # CPU in percent of one core over the whole chatload run (setup included).
  local wall_ticks srv_cpu redis_cpu
  wall_ticks=$(((w1 - w0) * hz / 1000000000))
  srv_cpu=$(((s1 - s0) * 100 / (wall_ticks > 0 ? wall_ticks : 1)))
  redis_cpu=$(((r1 - r0) * 100 / (wall_ticks > 0 ? wall_ticks : 1)))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$n" "$rate" "$run" "$json" "$rc" "$srv_cpu" "$redis_cpu" >>"$OUT/runs.tsv"
  if [ "$rc" != 0 ]; then
    failed_runs=$((failed_runs + 1))
    log "$tag: chatload exited $rc: $(grep -m1 '^result' "$OUT/$tag.chatload.log" || true)"
  fi
  log "$tag: $(jq -r '"\(.run.deliveriesPerSecond|floor) deliveries/s, p99 \(.latencyMs.p99) ms, lost \(.loss.lost), dup \(.loss.duplicates)"' "$json" 2>/dev/null || echo "no result"); servers ${srv_cpu}%, redis ${redis_cpu}% of a core"
  sleep "$COOLDOWN"
}

: >"$OUT/runs.tsv"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
total=0
for _ in $(seq "$RUNS"); do for _ in $RATES; do for _ in $MODES; do for _ in $INSTANCES; do total=$((total + 1)); done; done; done; done
done_runs=0
for run in $(seq "$RUNS"); do
  for rate in $RATES; do
    for mode in $MODES; do
      for n in $INSTANCES; do
        done_runs=$((done_runs + 1))
        log "[$done_runs/$total] $mode, $n instance(s), $rate msg/s, run $run"
        run_one "$mode" "$n" "$rate" "$run"
      done
    done
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - t0))

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain 2>/dev/null | grep -v '^??' || true)" ] && commit+=" (with uncommitted changes)"

python3 - "$OUT/runs.tsv" >"$OUT/scale.md" <<EOF
import json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("## Scaling: $CLIENTS clients, $SENDERS senders, $DURATION per run, ${SIZE}-byte messages, $RUNS run(s) each")
print()
print("Commit $commit; $(nproc) CPUs; load average $load_start at the start, $load_end at the end; $((elapsed / 60)) min $((elapsed % 60)) s in all.")
print("deliveries/s and p99 are the medians of the runs (chatload's deliveriesPerSecond, over sending and drain, and latencyMs.p99);")
print("lost / undelivered / duplicated deliveries and error frames are summed over the runs; CPU is in percent of one core over the")
print("whole chatload run (setup included), all instances summed, and all Redis processes summed (6 nodes on the cluster);")
print("chatload CPU is the tool's own while sending (cpu.toolRun). Everything shares the machine's cores.")
print()
print("msg/s \"max\" is a closed loop (chatload -rate 0: each sender sends when its previous message came back); its msg/s is what was sent.")
print()
print("| msg/s | mode | instances | deliveries/s | p99 ms | p50 ms | lost / undeliv. / dup. | errors | servers CPU | Redis CPU | chatload CPU | failed runs | runs: deliveries/s @ p99 |")
print("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")
groups = {}
for mode, n, rate, run, path, rc, scpu, rcpu in rows:
    groups.setdefault((float(rate), mode, int(n)), []).append((int(run), path, int(rc), int(scpu), int(rcpu)))
order = {"single": 0, "cluster": 1}
base = {}
for key in sorted(groups, key=lambda k: (k[0] == 0, k[0], order[k[1]], k[2])):
    rate, mode, n = key
    dps, p99, p50, scpus, rcpus, tcpus, sent, each = [], [], [], [], [], [], [], []
    lost = undeliv = dup = errs = failed = 0
    for run, path, rc, scpu, rcpu in sorted(groups[key]):
        if rc != 0:
            failed += 1
        try:
            r = json.load(open(path))
        except Exception:
            each.append(f"#{run}: no result")
            continue
        d, p, q = r["run"]["deliveriesPerSecond"], r["latencyMs"]["p99"], r["latencyMs"]["p50"]
        dps.append(d); p99.append(p); p50.append(q); scpus.append(scpu); rcpus.append(rcpu)
        tcpus.append(r["cpu"]["toolRun"]); sent.append(r["run"]["sentPerSecond"])
        lost += r["loss"]["lost"]; undeliv += r["loss"]["undelivered"]; dup += r["loss"]["duplicates"]
        errs += r["errors"]["frames"] + sum(r["errors"].get("disconnects", {}).values())
        each.append(f"{d/1000:.1f}k @ {p:.1f} ms" + ("" if rc == 0 else " (failed)"))
    med = lambda v, f: f(statistics.median(v)) if v else "-"
    label = f"{rate:g}" if rate > 0 else "max" + med(sent, lambda x: f" ({x:,.0f})")
    print(f"| {label} | {mode} | {n} | {med(dps, lambda x: f'{x:,.0f}')} | {med(p99, lambda x: f'{x:.1f}')} | "
          f"{med(p50, lambda x: f'{x:.1f}')} | {lost} / {undeliv} / {dup} | {errs} | {med(scpus, lambda x: f'{x:.0f}%')} | "
          f"{med(rcpus, lambda x: f'{x:.0f}%')} | {med(tcpus, lambda x: f'{x:.0f}%')} | {failed} | {', '.join(each)} |")
print()
print("Results (chatload JSON, summaries, server logs): $OUT")
EOF
cat "$OUT/scale.md"
log "done in $((elapsed / 60)) min $((elapsed % 60)) s; results in $OUT"
[ "$failed_runs" = 0 ] || { log "$failed_runs run(s) failed: see the chatload logs in $OUT"; exit 1; }
