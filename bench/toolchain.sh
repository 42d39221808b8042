#!/usr/bin/env bash
# Benchmark: capturing a Go toolchain. `modsnap snapshot` of a project whose toolchain line
# names TOOLCHAIN (default go1.26.11, linux/amd64: a 72 MB zip) vs `go mod download` of the
# same toolchain module (what a GOTOOLCHAIN=auto switch downloads and extracts), side by side,
# both against the loopback proxy and both verifying the zip through the checksum database
# (sum.golang.org's real lookup and tiles, fetched once through the Go module proxy and served
# by the bench server under /sumdb/sum.golang.org/).
#
#   bash bench/toolchain.sh           # RUNS=3
#
# Never run by `cargo test` or CI. See bench/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
TOOLCHAIN=${TOOLCHAIN:-go1.26.11}
MOD=golang.org/toolchain@v0.0.1-$TOOLCHAIN.linux-amd64
DOWNLOAD=$CACHE_DIR/gomodcache/cache/download
if [[ ! -f $DOWNLOAD/golang.org/toolchain/@v/v0.0.1-$TOOLCHAIN.linux-amd64.zip ]]; then
	log "fetching $MOD once from $("$GO" env GOPROXY), verified by sum.golang.org"
	mkdir -p "$CACHE_DIR/gomodcache"
	(cd "$CACHE_DIR" && env GOMODCACHE="$CACHE_DIR/gomodcache" GOPATH="$CACHE_DIR/gopath-toolchain" \
		GOCACHE="$CACHE_DIR/gocache" GOFLAGS=-modcacherw GOTOOLCHAIN=local GOSUMDB=sum.golang.org \
		"$GO" mod download -json "$MOD" >/dev/null)
fi
# The bench server answers the database's `supported` probe like the Go module proxy.
mkdir -p "$DOWNLOAD/sumdb/sum.golang.org"
: >"$DOWNLOAD/sumdb/sum.golang.org/supported"
sed -i "s/^toolchain .*/toolchain $TOOLCHAIN/" "$BENCH_DIR/project-toolchain/go.mod"
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"
start_server

results_begin toolchain \
	"runs: $RUNS; toolchain: $MOD, $(stat -c %s "$DOWNLOAD/golang.org/toolchain/@v/v0.0.1-$TOOLCHAIN.linux-amd64.zip") bytes; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

run_go() { # run
	local s=$RUN_DIR/go-$1
	mkdir -p "$s/work"
	EXTRA_ENV=GOSUMDB=sum.golang.org measure "go mod download $MOD" "$s/work" "$s" - -- "$GO" mod download "$MOD"
	cleanup "$s"
}
run_modsnap() { # run
	local s=$RUN_DIR/modsnap-$1
	mkdir -p "$s/cache"
	EXTRA_ENV=GOSUMDB=sum.golang.org measure "modsnap snapshot (toolchain $TOOLCHAIN)" "$BENCH_DIR/project-toolchain" "$s" "$s/out.tar" -- \
		"$MODSNAP" snapshot . -o "$s/out.tar" --platform linux/amd64 --cache-dir "$s/cache" --no-gomodcache --quiet
	cleanup "$s"
}

for RUN_NO in $(seq "$RUNS"); do
	if ((RUN_NO % 2)); then run_go "$RUN_NO"; run_modsnap "$RUN_NO"
	else run_modsnap "$RUN_NO"; run_go "$RUN_NO"; fi
done

results_end
