#!/usr/bin/env bash
# Benchmark: what the checksum-database check costs `modsnap snapshot`, side by side in one run:
# snapshot with GOSUMDB=off, snapshot with the check on (lookups, tiles, proofs, the shipped
# bundle), and `go mod download all` for reference, all against the same loopback proxy.
# The database is a bench fixture (examples/bench_sumdb.rs): records for every bench module
# version spread through a log padded to SUMDB_SIZE records (default 2^20), so each lookup
# needs its own level-0 tile and proofs climb three tile levels, served by the bench server
# under /sumdb/bench.modsnap.test/ as the Go module proxy's passthrough serves sum.golang.org.
#
#   bash bench/sumdb.sh               # RUNS=3; PROJECTS_ONLY=project to narrow
#
# Never run by `cargo test` or CI. See bench/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
if [[ -n "${PROJECTS_ONLY:-}" ]]; then read -r -a PROJECTS <<<"$PROJECTS_ONLY"; fi
prime_cache
SUMDB_SIZE=${SUMDB_SIZE:-1048576}
DOWNLOAD=$CACHE_DIR/gomodcache/cache/download
STAMP_FILE=$CACHE_DIR/sumdb-$SUMDB_SIZE.key
if [[ ! -s $STAMP_FILE || ! -f $DOWNLOAD/sumdb/bench.modsnap.test/supported ]]; then
	log "writing the bench checksum database ($SUMDB_SIZE records)"
	(cd "$REPO_DIR" && cargo build --release --quiet --example bench_sumdb)
	"$REPO_DIR/target/release/examples/bench_sumdb" "$DOWNLOAD" "$SUMDB_SIZE" >"$STAMP_FILE"
fi
KEY=$(cat "$STAMP_FILE")
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"
start_server

results_begin sumdb \
	"runs: $RUNS; database: $SUMDB_SIZE records; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

run_go() { # project run
	local s=$RUN_DIR/go-$1-$2
	measure "go mod download all ($1)" "$BENCH_DIR/$1" "$s" - -- "$GO" mod download all
	cleanup "$s"
}
run_snapshot() { # project run label GOSUMDB
	local s=$RUN_DIR/$3-$1-$2
	mkdir -p "$s/cache"
	EXTRA_ENV="GOSUMDB=$4" measure "modsnap snapshot, $3 ($1)" "$BENCH_DIR/$1" "$s" "$s/out.tar" -- \
		"$MODSNAP" snapshot . -o "$s/out.tar" --cache-dir "$s/cache" --no-gomodcache --quiet
	if [[ $3 == sumdb && $2 -eq $RUNS ]]; then
		"$MODSNAP" ls "$s/out.tar" --json >"$s/ls.json"
		python3 - "$s/ls.json" "$1" <<'PY' |
import json, sys
s = json.load(open(sys.argv[1]))["sumdb"]
print("bundle (%s): %d lookups, %d tiles, %s bytes; %d module versions checked"
      % (sys.argv[2], s["lookups"], s["tiles"], format(s["bytes"], ","), s["checked"]))
PY
			tee -a "$RESULTS_TSV.env" >&2
	fi
	cleanup "$s"
}

for proj in "${PROJECTS[@]}"; do
	for RUN_NO in $(seq "$RUNS"); do
		# Rotate the order so no variant always runs on the warmest page cache.
		case $((RUN_NO % 3)) in
		1) run_snapshot "$proj" "$RUN_NO" off off; run_snapshot "$proj" "$RUN_NO" sumdb "$KEY"; run_go "$proj" "$RUN_NO" ;;
		2) run_snapshot "$proj" "$RUN_NO" sumdb "$KEY"; run_go "$proj" "$RUN_NO"; run_snapshot "$proj" "$RUN_NO" off off ;;
		0) run_go "$proj" "$RUN_NO"; run_snapshot "$proj" "$RUN_NO" off off; run_snapshot "$proj" "$RUN_NO" sumdb "$KEY" ;;
		esac
	done
done

results_end
