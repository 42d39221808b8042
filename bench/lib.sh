# Shared helpers for modsnap's benchmarks (sourced by bench/*.sh; not run on its own).
#
# Layout (everything downloaded or built lives under bench/.cache/, which git ignores):
#   .cache/gomodcache/cache/download   artifacts fetched ONCE from the real module proxy
#                                      (the GOPROXY layout; served by benchserver)
#   .cache/bin/benchserver             bench/server built with the local go
#   .cache/run/                        per-run scratch (emptied at the start of each script)
#   .cache/results/                    raw measurements (TSV) of each run
# Nothing here runs in `cargo test` or CI.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
CACHE_DIR=$BENCH_DIR/.cache
PROXY_ROOT=$CACHE_DIR/gomodcache/cache/download
RUN_DIR=${BENCH_RUN_DIR:-$CACHE_DIR/run} # BENCH_RUN_DIR=/dev/shm/x measures CPU work without disk noise
RESULTS_DIR=$CACHE_DIR/results
GO=${GO:-go}
RUNS=${RUNS:-3}
# Upper bound for any single measured command, in seconds.
STEP_TIMEOUT=${STEP_TIMEOUT:-900}
PROJECTS=(project-small project)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

need_tools() {
	command -v "$GO" >/dev/null || die "go not found on PATH (set GO=/path/to/go)"
	command -v python3 >/dev/null || die "python3 not found"
	if ! /usr/bin/time -v true >/dev/null 2>&1; then
		die "/usr/bin/time -v does not work: install GNU time (Debian: apt-get install -y time)"
	fi
	command -v timeout >/dev/null || die "timeout (coreutils) not found"
}

# modsnap binary: $MODSNAP_BIN, else this checkout's release build (built if missing).
find_modsnap() {
	if [[ -n "${MODSNAP_BIN:-}" ]]; then
		MODSNAP=$MODSNAP_BIN
	else
		MODSNAP=$REPO_DIR/target/release/modsnap
		if [[ ! -x "$MODSNAP" ]]; then
			log "building modsnap (cargo build --release; several minutes)"
			(cd "$REPO_DIR" && cargo build --release)
		fi
	fi
	[[ -x "$MODSNAP" ]] || die "modsnap binary not found: $MODSNAP"
	log "modsnap: $MODSNAP ($("$MODSNAP" --version 2>/dev/null || echo '?'))"
}

# Every version a project's go.sum or build list mentions, as "path version" lines.
project_versions() {
	local proj=$1
	awk '{v=$2; sub("/go.mod$","",v); print $1" "v}' "$BENCH_DIR/$proj/go.sum"
	(cd "$BENCH_DIR/$proj" && "$GO" list -m all | awk 'NF==2')
}

# missing_versions ENV...: "path@version" words lacking a .info or .mod in the proxy tree.
missing_versions() {
	local proj
	for proj in "${PROJECTS[@]}"; do
		(export "$@" && project_versions "$proj")
	done | sort -u | python3 "$BENCH_DIR/tools.py" missing-info "$PROXY_ROOT"
}

# Fetch every artifact once from the user's GOPROXY (the go command's default) into
# .cache/gomodcache, so the proxy tree has a .zip for each build-list module and a
# .mod and .info for every version in go.sum or the build list (trap 11: the module
# cache lacks .info for graph-only versions; `go list -m PATH@VERSION` adds it).
# Idempotent: a stamp records the go.sum files it was primed from.
prime_cache() {
	local stamp=$CACHE_DIR/primed.stamp want
	want=$(cat "$BENCH_DIR"/project*/go.sum | sha256sum | cut -d' ' -f1)
	if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
		log "artifact cache primed ($(du -sh "$PROXY_ROOT" | cut -f1) in $PROXY_ROOT)"
		return
	fi
	log "priming the artifact cache from $("$GO" env GOPROXY) (once; a few minutes)"
	mkdir -p "$CACHE_DIR/gomodcache"
	local env=(GOMODCACHE="$CACHE_DIR/gomodcache" GOPATH="$CACHE_DIR/gopath" GOCACHE="$CACHE_DIR/gocache"
		GOFLAGS=-modcacherw GOTOOLCHAIN=local)
	local proj
	for proj in "${PROJECTS[@]}"; do
		# Errors are expected for versions whose zip the proxy does not serve (see README).
		(cd "$BENCH_DIR/$proj" && env "${env[@]}" "$GO" mod download -json all >"$CACHE_DIR/prime-$proj.json") || true
	done
	local missing
	missing=$(missing_versions "${env[@]}")
	if [[ -n "$missing" ]]; then
		log "adding .info/.mod for $(wc -w <<<"$missing") graph-only versions"
		(cd "$CACHE_DIR" && env "${env[@]}" "$GO" list -m -json $missing >/dev/null)
	fi
	missing=$(missing_versions "${env[@]}")
	[[ -z "$missing" ]] || die "still no .info/.mod for: $missing"
	echo "$want" >"$stamp"
	log "primed: $(du -sh "$PROXY_ROOT" | cut -f1)"
}

# Start the loopback proxy over .cache/gomodcache/cache/download; sets PROXY_URL, SERVER_PID.
# SERVER=python serves the same tree with Python's http.server instead (ThreadingHTTPServer,
# HTTP/1.0: a connection per request, a slow server): no request statistics then.
start_server() {
	local portfile=$RUN_DIR/server.port
	rm -f "$portfile"
	if [[ "${SERVER:-}" == python ]]; then
		python3 - "$PROXY_ROOT" "$portfile" 2>"$RUN_DIR/server.log" <<-'PY' &
			import functools, http.server, sys
			root, portfile = sys.argv[1], sys.argv[2]
			class Quiet(http.server.SimpleHTTPRequestHandler):
			    def log_message(self, *a): pass
			h = functools.partial(Quiet, directory=root)
			srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
			open(portfile, "w").write(str(srv.server_address[1]))
			srv.serve_forever()
		PY
		SERVER_PID=$!
	else
		mkdir -p "$CACHE_DIR/bin"
		(cd "$BENCH_DIR/server" && GOTOOLCHAIN=local GOFLAGS= GOENV=off "$GO" build -o "$CACHE_DIR/bin/benchserver" .)
		"$CACHE_DIR/bin/benchserver" -root "$PROXY_ROOT" -portfile "$portfile" 2>"$RUN_DIR/server.log" &
		SERVER_PID=$!
	fi
	trap 'stop_server; remove_deferred' EXIT
	local i
	for i in $(seq 50); do [[ -s "$portfile" ]] && break; sleep 0.1; done
	[[ -s "$portfile" ]] || die "proxy server did not start: $(cat "$RUN_DIR/server.log")"
	PROXY_URL=http://127.0.0.1:$(cat "$portfile")
	log "loopback proxy (${SERVER:-benchserver}): $PROXY_URL (pid $SERVER_PID)"
}

# Trees are removed only when the script exits: ext4 skips inodes freed in the last 60 s (300 s
# while their block is dirty) when it allocates new ones (`recently_deleted`), so a command run just
# after a large `rm -rf` spends most of its time in the kernel scanning for free inodes (profiled:
# 71% of a vendor run; `go mod download` sys time 6 s vs 40-60 s). Deferring removals keeps each
# measurement about the command itself. Needs several GiB of disk per run.
DEFERRED=()
cleanup() { DEFERRED+=("$1"); }
remove_deferred() {
	local d
	for d in "${DEFERRED[@]}"; do chmod -R u+w "$d" 2>/dev/null || true; rm -rf "$d"; done
	DEFERRED=()
}

stop_server() {
	if [[ -n "${SERVER_PID:-}" ]]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
}

server_reset() { [[ "${SERVER:-}" == python ]] || curl -fsS --noproxy '*' "$PROXY_URL/_bench/reset" >/dev/null; }
# CPU seconds (user+sys) the loopback server has used so far.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$SERVER_PID/stat"; }
server_stats() { if [[ "${SERVER:-}" == python ]]; then echo '{"requests": {}, "bytes": {}}'; else curl -fsS --noproxy '*' "$PROXY_URL/_bench/stats"; fi; }

# A hermetic environment: proxies cleared, no go env file, no toolchain switch.
# Usage: hermetic_env SCRATCH -- prints KEY=VALUE words for `env -i`.
hermetic_env() {
	local scratch=$1
	mkdir -p "$scratch/home" "$scratch/tmp"
	printf '%s\n' "PATH=$PATH" "HOME=$scratch/home" "TMPDIR=$scratch/tmp" \
		GOENV=off GOTOOLCHAIN=local GOFLAGS=-modcacherw GOSUMDB=off GOTELEMETRY=off \
		"GOPATH=$scratch/gopath" "GOMODCACHE=$scratch/gomodcache" "GOCACHE=$scratch/gocache" \
		"XDG_CACHE_HOME=$scratch/xdg-cache" "XDG_CONFIG_HOME=$scratch/xdg-config"
}

# measure LABEL WORKDIR SCRATCH OUTFILE -- CMD...: runs CMD under /usr/bin/time -v in WORKDIR with
# the hermetic env (plus GOPROXY=$PROXY_URL unless EXTRA_ENV overrides), bounded by
# STEP_TIMEOUT; appends one TSV row to $RESULTS_TSV:
# (columns: see tools.py COLUMNS; OUTFILE's size is recorded when it exists, "-" for none)
measure() {
	local label=$1 workdir=$2 scratch=$3 outfile=$4
	shift 5
	mkdir -p "$scratch/home" "$scratch/tmp"
	local envs
	mapfile -t envs < <(hermetic_env "$scratch")
	envs+=("GOPROXY=$PROXY_URL" ${EXTRA_ENV:-})
	server_reset
	# Settle: flush what earlier steps left dirty, so that each command pays
	# for its own writes only (on this VM, leftover writeback made the same
	# `tar -x` take 0.3 s or 1.9 s).
	sync
	local c0 c1 t0 t1 rc=0
	c0=$(server_cpu)
	t0=$(date +%s.%N)
	(cd "$workdir" && env -i "${envs[@]}" timeout "$STEP_TIMEOUT" /usr/bin/time -v -o "$scratch/time.txt" "$@" \
		>"$scratch/stdout.txt" 2>"$scratch/stderr.txt") || rc=$?
	t1=$(date +%s.%N)
	c1=$(server_cpu)
	local stats
	stats=$(server_stats | tr -d '\n')
	python3 "$BENCH_DIR/tools.py" time-row "$label" "${RUN_NO:-0}" "$t0" "$t1" "$rc" "$scratch/time.txt" "$stats" "$outfile" "$(python3 -c "print(f'{($c1-$c0):.2f}')")" >>"$RESULTS_TSV"
	log "$(tail -1 "$RESULTS_TSV" | cut -f1-7)"
	if [[ $rc -ne 0 ]]; then
		log "  $label exited $rc; stderr tail:"
		tail -3 "$scratch/stderr.txt" | sed 's/^/    /' >&2
	fi
	return 0
}

# results_begin NAME LINE...: starts $RESULTS_TSV ($RESULTS_DIR/NAME-<stamp>.tsv) and its .env file
# with the date, machine, go and modsnap versions, then each LINE; echoed to stderr.
results_begin() {
	local name=$1
	shift
	STAMP=$(date -u +%Y%m%dT%H%M%SZ)
	RESULTS_TSV=$RESULTS_DIR/$name-$STAMP.tsv
	python3 "$BENCH_DIR/tools.py" header >"$RESULTS_TSV"
	{
		echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "machine: $(nproc) cores, $(uname -sr); go: $("$GO" version)"
		echo "modsnap: $("$MODSNAP" --version) ($(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
		printf '%s\n' "$@"
	} | tee "$RESULTS_TSV.env" >&2
}

# results_end: the load at the end, the .env lines, the summary table and where the raw rows are.
results_end() {
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS_TSV.env" >&2
	echo
	cat "$RESULTS_TSV.env"
	echo
	python3 "$BENCH_DIR/tools.py" summary "$RESULTS_TSV"
	echo
	echo "raw rows: $RESULTS_TSV"
}
