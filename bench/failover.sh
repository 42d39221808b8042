#!/usr/bin/env bash
# Benchmark: a dead first GOPROXY entry, side by side with go in one run.
#   GOPROXY="<dead>|<loopback proxy>" against GOPROXY="<loopback proxy>" alone, for
#   `modsnap snapshot` and `go mod download all`, with two kinds of dead entry:
#   - refused:  http://127.0.0.1:<closed port> (nothing listens)
#   - dns:      http://proxy.modsnap-bench.invalid (the name does not resolve)
#   - blackhole: a listener that accepts and never answers (modsnap --timeout 2; go has no
#                timeout of its own here and is bounded by FAILOVER_STEP_TIMEOUT, default 120 s)
# Target (issue "failure class"): modsnap with a dead first entry within 1.2x of its
# healthy-only run, and faster than go.
#
#   bash bench/failover.sh          # RUNS=3 by default; PROJECTS_ONLY="project-small"
#
# Never run by `cargo test` or CI. See bench/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
if [[ -n "${PROJECTS_ONLY:-}" ]]; then read -r -a PROJECTS <<<"$PROJECTS_ONLY"; fi
STEP_TIMEOUT=${FAILOVER_STEP_TIMEOUT:-120}
prime_cache
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"
start_server

# The black hole: accepts connections, holds them, never answers.
python3 - "$RUN_DIR/hole.port" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1024)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
HOLE_PID=$!
trap 'kill $HOLE_PID 2>/dev/null; stop_server; remove_deferred' EXIT
for _ in $(seq 50); do [[ -s "$RUN_DIR/hole.port" ]] && break; sleep 0.1; done
HOLE=http://127.0.0.1:$(cat "$RUN_DIR/hole.port")
CLOSED=http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DNS=http://proxy.modsnap-bench.invalid

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_TSV=$RESULTS_DIR/failover-$STAMP.tsv
python3 "$BENCH_DIR/tools.py" header >"$RESULTS_TSV"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $("$GO" version); modsnap $("$MODSNAP" --version) ($(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo '?'))" |
	tee "$RESULTS_TSV.env" >&2

run_pair() { # project run label goproxy
	local proj=$1 run=$2 label=$3 goproxy=$4
	local s=$RUN_DIR/go-$label-$proj-$run
	EXTRA_ENV="GOPROXY=$goproxy" measure "go mod download all, $label ($proj)" "$BENCH_DIR/$proj" "$s" - -- \
		"$GO" mod download all
	cleanup "$s"
	s=$RUN_DIR/ms-$label-$proj-$run
	mkdir -p "$s/cache"
	EXTRA_ENV="GOPROXY=$goproxy" measure "modsnap snapshot, $label ($proj)" "$BENCH_DIR/$proj" "$s" "$s/out.tar" -- \
		"$MODSNAP" snapshot . -o "$s/out.tar" --cache-dir "$s/cache" --no-gomodcache --quiet --timeout 2
	cleanup "$s"
}

for proj in "${PROJECTS[@]}"; do
	for RUN_NO in $(seq "$RUNS"); do
		run_pair "$proj" "$RUN_NO" healthy "$PROXY_URL"
		run_pair "$proj" "$RUN_NO" refused "$CLOSED|$PROXY_URL"
		run_pair "$proj" "$RUN_NO" dns "$DNS|$PROXY_URL"
		run_pair "$proj" "$RUN_NO" blackhole "$HOLE|$PROXY_URL"
	done
done
python3 "$BENCH_DIR/tools.py" summary "$RESULTS_TSV" | tee "$RESULTS_TSV.summary" >&2 || true
log "results: $RESULTS_TSV"
