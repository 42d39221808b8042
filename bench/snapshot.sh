#!/usr/bin/env bash
# Benchmark: `modsnap snapshot` vs `go mod download all`, side by side in one run, both
# against the same loopback proxy serving artifacts fetched once from the real module proxy.
# Then the archive formats (.tar/.tar.gz/.tar.zst/.zip) from modsnap's warm cache.
#
#   bash bench/snapshot.sh            # RUNS=3 by default; RUNS=5 bash bench/snapshot.sh
#
# Env: RUNS (repeats, default 3), MODSNAP_BIN (default: target/release/modsnap, built if
# missing), GO (default: go), STEP_TIMEOUT (seconds per measured command, default 900),
# SKIP_FORMATS=1 (skip the archive-format part), PROJECTS_ONLY="project" (subset),
# SERVER=python (serve the tree with Python's http.server instead of benchserver).
# Each repeat also measures the floor (examples/bench_floor.rs) on the archive just written.
# Never run by `cargo test` or CI. See bench/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
FLOOR=$REPO_DIR/target/release/examples/bench_floor
[[ -x "$FLOOR" && "$FLOOR" -nt "$REPO_DIR/examples/bench_floor.rs" ]] ||
	(cd "$REPO_DIR" && cargo build --release --example bench_floor --quiet) || die "cannot build bench_floor"
if [[ -n "${PROJECTS_ONLY:-}" ]]; then read -r -a PROJECTS <<<"$PROJECTS_ONLY"; fi
prime_cache
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"
start_server

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_TSV=$RESULTS_DIR/snapshot-$STAMP.tsv
python3 "$BENCH_DIR/tools.py" header >"$RESULTS_TSV"
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
	echo "go: $("$GO" version)"
	echo "modsnap: $("$MODSNAP" --version) ($(cd "$REPO_DIR" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
	echo "runs: $RUNS; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	for proj in "${PROJECTS[@]}"; do
		echo "$proj: $(cd "$BENCH_DIR/$proj" && env -i PATH="$PATH" HOME="$RUN_DIR" GOENV=off GOTOOLCHAIN=local \
			GOFLAGS=-mod=mod GOPROXY=off GOMODCACHE="$CACHE_DIR/gomodcache" "$GO" list -m all | tail -n +2 | wc -l) module versions in \`go list -m all\`," \
			"$(grep -vc '/go.mod ' "$BENCH_DIR/$proj/go.sum") zip lines + $(grep -c '/go.mod ' "$BENCH_DIR/$proj/go.sum") go.mod lines in go.sum"
	done
} | tee "$RESULTS_TSV.env" >&2

run_go() { # project run
	local s=$RUN_DIR/go-$1-$2
	measure "go mod download all ($1)" "$BENCH_DIR/$1" "$s" - -- "$GO" mod download all
	cleanup "$s" # removed at exit (lib.sh)
}
run_modsnap() { # project run
	local s=$RUN_DIR/modsnap-$1-$2
	mkdir -p "$s/cache"
	measure "modsnap snapshot ($1)" "$BENCH_DIR/$1" "$s" "$s/out.tar" -- \
		"$MODSNAP" snapshot . -o "$s/out.tar" --cache-dir "$s/cache" --no-gomodcache --quiet --json
	cp "$s/stdout.txt" "$RESULTS_DIR/modsnap-$1-$STAMP.json" 2>/dev/null || true
	LAST_ARCHIVE=$s/out.tar
	cleanup "$s"
}
# The floor (examples/bench_floor.rs): fetching the archive's files from the same server,
# inflating and hashing every zip entry, BLAKE3 of the archive; its JSON line (with each
# step's time) is kept beside the results. Against Python's server (HTTP/1.0, a new connection
# per request, a listen backlog of 5) the floor fetches 4 at a time, as modsnap does there
# (src/proxy/pacing.rs): at 16 at once SYNs are dropped and the floor waits out their resends.
run_floor() { # project run
	local s=$RUN_DIR/floor-$1-$2 jobs=16
	[[ ${SERVER:-benchserver} == python ]] && jobs=4
	mkdir -p "$s"
	EXTRA_ENV="JOBS=$jobs" measure "floor: fetch + inflate/SHA-256 + BLAKE3 ($1)" "$s" "$s" - -- "$FLOOR" "$PROXY_URL" "$LAST_ARCHIVE"
	cat "$s/stdout.txt" >>"$RESULTS_TSV.floor.jsonl"
	cleanup "$s"
}

for proj in "${PROJECTS[@]}"; do
	for RUN_NO in $(seq "$RUNS"); do
		# Alternate the order so neither tool always runs on the warmer page cache.
		if ((RUN_NO % 2)); then run_go "$proj" "$RUN_NO"; run_modsnap "$proj" "$RUN_NO"
		else run_modsnap "$proj" "$RUN_NO"; run_go "$proj" "$RUN_NO"; fi
		run_floor "$proj" "$RUN_NO"
	done
done

if [[ -z "${SKIP_FORMATS:-}" ]]; then
	# Archive formats: fill a cache once over the loopback proxy, then write each format
	# with GOPROXY=off (everything comes from the warm cache).
	proj=${PROJECTS[-1]}
	warm=$RUN_DIR/warm
	mkdir -p "$warm/cache"
	RUN_NO=0 measure "modsnap snapshot, fill warm cache ($proj)" "$BENCH_DIR/$proj" "$warm" "$warm/fill.tar" -- \
		"$MODSNAP" snapshot . -o "$warm/fill.tar" --cache-dir "$warm/cache" --no-gomodcache --quiet
	for RUN_NO in $(seq "$RUNS"); do
		for ext in tar tar.gz tar.zst zip; do
			s=$RUN_DIR/fmt-$ext-$RUN_NO
			mkdir -p "$s"
			EXTRA_ENV=GOPROXY=off measure "warm cache, GOPROXY=off, -o .$ext ($proj)" "$BENCH_DIR/$proj" "$s" "$s/out.$ext" -- \
				"$MODSNAP" snapshot . -o "$s/out.$ext" --cache-dir "$warm/cache" --no-gomodcache --quiet
			sha256sum "$s/out.$ext" | cut -d' ' -f1 >>"$RUN_DIR/fmt-$ext.sha256"
			[[ $RUN_NO -eq $RUNS ]] || rm -f "$s/out.$ext"
		done
	done
	for ext in tar tar.gz tar.zst zip; do
		n=$(sort -u "$RUN_DIR/fmt-$ext.sha256" | wc -l)
		echo "deterministic .$ext across $RUNS runs: $([[ $n -eq 1 ]] && echo yes || echo "NO ($n different)")" | tee -a "$RESULTS_TSV.env" >&2
	done
fi

results_end
