#!/usr/bin/env bash
# Benchmark: `modsnap serve` against nginx serving the same bytes (the restored tree, with the
# README's nginx configuration), side by side in one run:
#   1. load: wrk, CONNS (64) connections for DURATION (30 s) over a URL mix of every file of the
#      474-module bench archive (zips, mods, infos, lists) plus ~5% misses; RUNS× alternating;
#   2. CLIENTS (8) concurrent `go mod download` of bench/project from empty module caches, through
#      each server; every client's module cache must be byte-identical;
#   3. start-up time and memory: serve on the bench archive and on a synthetic ~5 GiB archive
#      (BIG_MODULES × BIG_ZIP bytes, written once by examples/bench_big_archive.rs).
#
#   bash bench/serve.sh                  # RUNS=3, DURATION=30
#   RUNS=1 DURATION=10 SKIP_BIG=1 bash bench/serve.sh
#   ONLY_STARTUP=1 bash bench/serve.sh   # start-up time and memory only
#
# Needs wrk and nginx (Debian: apt-get install -y wrk nginx-light). Never run by cargo test or CI.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install -y wrk)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx not found (Debian: apt-get install -y nginx-light)"
DURATION=${DURATION:-30}
CONNS=${CONNS:-64}
CLIENTS=${CLIENTS:-8}
BIG_MODULES=${BIG_MODULES:-8000}
BIG_ZIP=${BIG_ZIP:-671088} # 8000 × 640 KiB + .info/.mod/lists ≈ 5.0 GiB
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"
prime_cache
start_server

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$RESULTS_DIR/serve-$STAMP.txt
note() { echo "$*" | tee -a "$OUT" >&2; }
note "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
note "machine: $(nproc) cores, $(uname -sr); go: $("$GO" version); $("$NGINX" -v 2>&1); $(wrk -v 2>&1 | head -1)"
note "modsnap: $("$MODSNAP" --version) ($(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
note "runs: $RUNS; load: $CONNS connections, ${DURATION} s, wrk -t2; clients: $CLIENTS; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. The bench archive (a snapshot of bench/project from the loopback proxy) and its restored tree.
SNAP=$RUN_DIR/snap
mkdir -p "$SNAP"
mapfile -t ENVS < <(hermetic_env "$SNAP")
(cd "$BENCH_DIR/project" && env -i "${ENVS[@]}" GOPROXY="$PROXY_URL" \
	"$MODSNAP" snapshot . -o "$RUN_DIR/bench.tar" --cache-dir "$SNAP/cache" --no-gomodcache -q)
stop_server
"$MODSNAP" restore "$RUN_DIR/bench.tar" --proxy "$RUN_DIR/tree" -q >/dev/null
note "bench archive: $(stat -c %s "$RUN_DIR/bench.tar") bytes, $(tar -tf "$RUN_DIR/bench.tar" | grep -c '/@v/.*\.zip$') zips"

# The URL mix: every file once, plus one miss per 19 files (5%).
tar -tf "$RUN_DIR/bench.tar" | grep -v '^modsnap.json$' | grep -v '/$' |
	awk '{print "/"$0} NR%19==0 {sub(/@v\/.*/, "@v/v0.0.0-miss.info"); print "/"$0}' >"$RUN_DIR/urls.txt"
note "url mix: $(wc -l <"$RUN_DIR/urls.txt") paths ($(grep -c '\.zip$' "$RUN_DIR/urls.txt") zips, $(grep -c 'miss' "$RUN_DIR/urls.txt") misses)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_serve() { # SOURCE LOG -> SERVE_PID, SERVE_URL, SERVE_READY_MS
	local src=$1 log=$2 t0 t1
	rm -f "$RUN_DIR/serve.out"
	t0=$(date +%s%N)
	"$MODSNAP" serve "$src" --listen 127.0.0.1:0 --max-connections 4096 >"$RUN_DIR/serve.out" 2>"$log" &
	SERVE_PID=$!
	local i
	for i in $(seq 6000); do grep -q '^GONOPROXY=' "$RUN_DIR/serve.out" 2>/dev/null && break; sleep 0.01; done
	t1=$(date +%s%N)
	SERVE_URL=$(sed -n 's/^GOPROXY=//p' "$RUN_DIR/serve.out")
	[[ -n $SERVE_URL ]] || die "serve did not start: $(cat "$log")"
	SERVE_READY_MS=$(((t1 - t0) / 1000000))
}
stop_serve() { kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; }
rss_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

NGINX_DIR=$RUN_DIR/nginx
start_nginx() { # -> NGINX_PID, NGINX_URL
	mkdir -p "$NGINX_DIR"
	local port
	port=$(free_port)
	python3 - "$REPO_DIR/README.md" "$RUN_DIR/tree" "$port" "$NGINX_DIR" >"$NGINX_DIR/nginx.conf" <<'EOF'
import sys
readme, tree, port, d = sys.argv[1:]
text = open(readme).read()
start = text.index("```nginx\n") + 9
server = text[start:text.index("```", start)]
server = server.replace("listen 8080;", f"listen 127.0.0.1:{port} backlog=4096;").replace("/srv/goproxy", tree)
print(f"""worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log {d}/access.log;
  keepalive_requests 1000000;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
{server}
}}""")
EOF
	# As root, nginx's workers would drop to nobody, who cannot read the run directory.
	if [[ $(id -u) == 0 ]]; then sed -i '1i user root;' "$NGINX_DIR/nginx.conf"; fi
	"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' &
	NGINX_PID=$!
	NGINX_URL=http://127.0.0.1:$port
	local i
	for i in $(seq 100); do curl -fsS --noproxy '*' -o /dev/null "$NGINX_URL/$(head -1 "$RUN_DIR/urls.txt" | cut -c2-)" 2>/dev/null && break; sleep 0.05; done
}
stop_nginx() { kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; }
nginx_rss_kib() { # the master and its workers
	local total=0 p
	for p in $NGINX_PID $(pgrep -P "$NGINX_PID"); do total=$((total + $(rss_kib "$p"))); done
	echo "$total"
}

LOAD_TSV=$RESULTS_DIR/serve-$STAMP-load.tsv
echo -e "server\trun\trequests\trps\tMiB_s\tp50_ms\tp99_ms\tmax_ms\tbad_status\tmisses\tsocket_errors\tpeak_rss_MiB\tcpu_s" >"$LOAD_TSV"
cpu_of() { # PID: CPU seconds (user+sys) of the process and its children (nginx's workers)
	local p total=0
	for p in "$1" $(pgrep -P "$1"); do
		total=$(awk -v hz="$(getconf CLK_TCK)" -v t="$total" '{printf "%.2f", t + ($14+$15)/hz}' "/proc/$p/stat")
	done
	echo "$total"
}
load() { # LABEL URL PID RSS_FN RUN
	local label=$1 url=$2 pid=$3 rssfn=$4 run=$5 c0 c1 line
	c0=$(cpu_of "$pid")
	line=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/serve/mix.lua" "$url" -- "$RUN_DIR/urls.txt" | grep '^RESULT')
	c1=$(cpu_of "$pid")
	local rss
	rss=$($rssfn "$pid")
	python3 - "$label" "$run" "$line" "$rss" "$c0" "$c1" >>"$LOAD_TSV" <<'EOF'
import sys
label, run, line, rss, c0, c1 = sys.argv[1:]
kv = dict(w.split("=") for w in line.split()[1:])
print("\t".join([label, run, kv["requests"], kv["rps"], kv["mib_s"], kv["p50_ms"], kv["p99_ms"], kv["max_ms"],
                 kv["bad_status"], kv["misses"], kv["socket_errors"], f"{int(rss)/1024:.1f}", f"{float(c1)-float(c0):.2f}"]))
EOF
	log "$(tail -1 "$LOAD_TSV")"
}
serve_rss() { rss_kib "$1"; }
nginx_rss() { nginx_rss_kib; }

start_serve "$RUN_DIR/bench.tar" "$RUN_DIR/serve.log"
note "serve start-up on the bench archive: ${SERVE_READY_MS} ms to ready, peak RSS $(($(rss_kib "$SERVE_PID") / 1024)) MiB"
if [[ -z ${ONLY_STARTUP:-} ]]; then
start_nginx
# Warm both (page cache, serve's first-read zip checks) with one pass over every URL.
for url in "$SERVE_URL" "$NGINX_URL"; do
	wrk -t1 -c4 -d5s -s "$BENCH_DIR/serve/mix.lua" "$url" -- "$RUN_DIR/urls.txt" >/dev/null
done
for RUN_NO in $(seq "$RUNS"); do
	if ((RUN_NO % 2)); then
		load "modsnap serve" "$SERVE_URL" "$SERVE_PID" serve_rss "$RUN_NO"
		load nginx "$NGINX_URL" "$NGINX_PID" nginx_rss "$RUN_NO"
	else
		load nginx "$NGINX_URL" "$NGINX_PID" nginx_rss "$RUN_NO"
		load "modsnap serve" "$SERVE_URL" "$SERVE_PID" serve_rss "$RUN_NO"
	fi
done

# 2. CLIENTS concurrent `go mod download` from empty caches through each server.
clients() { # LABEL URL
	local label=$1 url=$2 i t0 t1 rc=0
	local pids=()
	t0=$(date +%s.%N)
	for i in $(seq "$CLIENTS"); do
		local s=$RUN_DIR/client-${label// /-}-$i
		mkdir -p "$s"
		mapfile -t envs < <(hermetic_env "$s")
		(cd "$BENCH_DIR/project" && env -i "${envs[@]}" GOPROXY="$url" GONOPROXY=none \
			timeout "$STEP_TIMEOUT" "$GO" mod download >"$s/out.txt" 2>&1) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=$?; done
	t1=$(date +%s.%N)
	local digests
	digests=$(for i in $(seq "$CLIENTS"); do
		(cd "$RUN_DIR/client-${label// /-}-$i/gomodcache/cache/download" &&
			find . -type f ! -name '*.lock' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
	done | sort -u | tr '\n' ' ')
	note "$CLIENTS × go mod download through $label: $(python3 -c "print(f'{$t1-$t0:.2f}')") s wall, exit $rc, distinct module caches: $digests"
	CLIENT_DIGESTS+=" $digests"
}
CLIENT_DIGESTS=
clients "modsnap serve" "$SERVE_URL"
clients nginx "$NGINX_URL"
note "every client's module cache identical across both servers: $([[ $(echo $CLIENT_DIGESTS | tr ' ' '\n' | sort -u | wc -l) == 1 ]] && echo yes || echo NO)"
note "serve peak RSS after load and clients: $(($(rss_kib "$SERVE_PID") / 1024)) MiB; error lines and 5xx responses in serve's log: $(grep -cE '^modsnap: error|" 5[0-9][0-9] ' "$RUN_DIR/serve.log" || true)"
stop_nginx
fi
stop_serve

# 3. Start-up on a ~5 GiB archive: time to ready and memory, then memory after every zip was read.
if [[ -z ${SKIP_BIG:-} ]]; then
	BIG=$CACHE_DIR/big-$BIG_MODULES-$BIG_ZIP.tar
	if [[ ! -f $BIG ]]; then
		log "writing the synthetic archive $BIG once"
		(cd "$REPO_DIR" && cargo run -q --release --example bench_big_archive -- "$BIG.partial" "$BIG_MODULES" "$BIG_ZIP")
		mv "$BIG.partial" "$BIG"
	fi
	sync
	start_serve "$BIG" "$RUN_DIR/serve-big.log"
	note "serve start-up on $(numfmt --to=iec "$(stat -c %s "$BIG")") ($BIG_MODULES module versions, $((BIG_MODULES * 4)) files): ${SERVE_READY_MS} ms to ready (page cache warm), peak RSS $(($(rss_kib "$SERVE_PID") / 1024)) MiB"
	tar -tf "$BIG" | grep '\.zip$' | sed 's|^|/|' >"$RUN_DIR/big-zips.txt"
	wrk -t2 -c16 -d600s -s "$BENCH_DIR/serve/mix.lua" "$SERVE_URL" -- "$RUN_DIR/big-zips.txt" >/dev/null &
	WRK=$!
	# Until every zip was requested once (each is checked in full on its first read).
	for i in $(seq 600); do
		[[ $(grep -c '\.zip HTTP/1.1" 200' "$RUN_DIR/serve-big.log") -ge $BIG_MODULES ]] && break
		sleep 1
	done
	kill "$WRK" 2>/dev/null || true
	wait "$WRK" 2>/dev/null || true
	note "serve after serving all $BIG_MODULES zips of the big archive: peak RSS $(($(rss_kib "$SERVE_PID") / 1024)) MiB"
	stop_serve
fi

note "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat "$OUT"
echo
python3 - "$LOAD_TSV" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault(r["server"], []).append(r)
print("| server | requests/s median (min–max) | MiB/s | p50 ms | p99 ms median (max) | errors | peak RSS MiB | CPU s |")
print("|---|---|---|---|---|---|---|---|")
med = {}
for name, rs in by.items():
    f = lambda k: [float(r[k]) for r in rs]
    med[name] = (statistics.median(f("rps")), statistics.median(f("p99_ms")))
    print(f"| {name} | {statistics.median(f('rps')):.0f} ({min(f('rps')):.0f}–{max(f('rps')):.0f}) | {statistics.median(f('MiB_s')):.0f} | "
          f"{statistics.median(f('p50_ms')):.2f} | {statistics.median(f('p99_ms')):.2f} ({max(f('p99_ms')):.2f}) | "
          f"{sum(int(r['bad_status']) + int(r['socket_errors']) for r in rs)} | {max(f('peak_rss_MiB')):.1f} | {statistics.median(f('cpu_s')):.1f} |")
if "modsnap serve" in med and "nginx" in med:
    (sr, sp), (nr, np_) = med["modsnap serve"], med["nginx"]
    print(f"\nserve/nginx: throughput {sr/nr:.2f}× (target ≥ 0.8×), p99 {sp/np_:.2f}× (target ≤ 1.5×)")
EOF
echo "raw rows: $LOAD_TSV, $OUT"
