#!/usr/bin/env bash
# Benchmark hooks for the air-gapped side, each measured side by side with the go-command
# (or plain tar) way of doing the same thing, in the same run:
#   1. modsnap restore ARCHIVE --proxy DIR     vs  tar -xf ARCHIVE (the archive is a proxy tree)
#   2. modsnap restore ARCHIVE --modcache DIR  vs  go mod download all into an empty GOMODCACHE
#                                                  from the warm loopback proxy
#   3. modsnap vendor ARCHIVE                  vs  go mod vendor, warm and cold module cache,
#                                                  and the floor of vendoring from the archive
#                                                  (examples/bench_floor.rs --vendor)
# A part whose modsnap subcommand does not exist yet (`modsnap restore --help` fails) is
# skipped with a message; the script then exits 0.
#
#   bash bench/restore.sh        # env as in snapshot.sh: RUNS, MODSNAP_BIN, GO, PROJECTS_ONLY
#
# The modsnap command lines are in the *_cmd functions below: adjust them there when the
# subcommands' flags settle. Never run by `cargo test` or CI.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
FLOOR=$REPO_DIR/target/release/examples/bench_floor
[[ -x "$FLOOR" && "$FLOOR" -nt "$REPO_DIR/examples/bench_floor.rs" ]] ||
	(cd "$REPO_DIR" && cargo build --release --example bench_floor --quiet) || die "cannot build bench_floor"
proj=${PROJECTS_ONLY:-project}
prime_cache
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"

has_sub() { "$MODSNAP" "$@" --help >/dev/null 2>&1; }
if ! has_sub restore && ! has_sub vendor; then
	log "SKIP: this modsnap has neither \`restore\` nor \`vendor\` (\`$MODSNAP restore --help\` fails); nothing to measure"
	exit 0
fi

# The modsnap command lines (ARCHIVE, DEST are absolute paths).
restore_proxy_cmd() { echo "$MODSNAP" restore "$1" --proxy "$2"; }
restore_modcache_cmd() { echo "$MODSNAP" restore "$1" --modcache "$2"; }
vendor_cmd() { echo "$MODSNAP" vendor "$1"; } # run inside a copy of the project

start_server
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_TSV=$RESULTS_DIR/restore-$STAMP.tsv
python3 "$BENCH_DIR/tools.py" header >"$RESULTS_TSV"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $("$GO" version); modsnap $("$MODSNAP" --version)" |
	tee "$RESULTS_TSV.env" >&2

# The archive every part restores from (not measured here; see snapshot.sh).
ARCHIVE=$RUN_DIR/snap.tar
(cd "$BENCH_DIR/$proj" && env -i $(hermetic_env "$RUN_DIR/mk") GOPROXY="$PROXY_URL" \
	"$MODSNAP" snapshot . -o "$ARCHIVE" --cache-dir "$RUN_DIR/mk/cache" --no-gomodcache --quiet) ||
	die "could not make the archive"
rm -rf "$RUN_DIR/mk"
log "archive: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"

# cleanup (lib.sh) defers removals to the end of the script.

for RUN_NO in $(seq "$RUNS"); do
	if has_sub restore; then
		s=$RUN_DIR/tar-$RUN_NO; mkdir -p "$s/out"
		measure "tar -xf (proxy tree, $proj)" "$s" "$s" - -- tar -xf "$ARCHIVE" -C "$s/out"
		cleanup "$s"
		s=$RUN_DIR/rp-$RUN_NO; mkdir -p "$s"
		measure "modsnap restore --proxy ($proj)" "$s" "$s" - -- $(restore_proxy_cmd "$ARCHIVE" "$s/out")
		cleanup "$s"

		s=$RUN_DIR/gmc-$RUN_NO
		measure "go mod download all, warm loopback proxy ($proj)" "$BENCH_DIR/$proj" "$s" - -- "$GO" mod download all
		cleanup "$s"
		s=$RUN_DIR/rmc-$RUN_NO; mkdir -p "$s"
		measure "modsnap restore --modcache ($proj)" "$s" "$s" - -- $(restore_modcache_cmd "$ARCHIVE" "$s/gomodcache")
		cleanup "$s"
	else
		log "SKIP restore: \`$MODSNAP restore --help\` fails (not in this build)"
	fi

	if has_sub vendor; then
		# Warm: a module cache filled beforehand (not timed), GOPROXY=off.
		s=$RUN_DIR/gvw-$RUN_NO; cp -r "$BENCH_DIR/$proj" "$s-proj"
		(cd "$s-proj" && env -i $(hermetic_env "$s") GOPROXY="$PROXY_URL" "$GO" mod download all >/dev/null 2>&1) || true
		EXTRA_ENV=GOPROXY=off measure "go mod vendor, warm modcache ($proj)" "$s-proj" "$s" - -- "$GO" mod vendor
		cleanup "$s"; cleanup "$s-proj"
		# Cold: empty module cache, the loopback proxy.
		s=$RUN_DIR/gvc-$RUN_NO; cp -r "$BENCH_DIR/$proj" "$s-proj"
		measure "go mod vendor, cold modcache ($proj)" "$s-proj" "$s" - -- "$GO" mod vendor
		cleanup "$s"; cleanup "$s-proj"
		# modsnap vendor: everything comes from the archive, GOPROXY=off.
		s=$RUN_DIR/mv-$RUN_NO; cp -r "$BENCH_DIR/$proj" "$s-proj"
		EXTRA_ENV=GOPROXY=off measure "modsnap vendor ($proj)" "$s-proj" "$s" - -- $(vendor_cmd "$ARCHIVE")
		# The floor on the modules it vendored: BLAKE3 of their zips, each vendored file inflated and
		# hashed (checked against the listed digests), the files written.
		s2=$RUN_DIR/fv-$RUN_NO; mkdir -p "$s2"
		measure "floor: BLAKE3 of the vendored zips + inflate/SHA-256 of the vendored files + writing vendor/ ($proj)" "$s2" "$s2" - -- \
			"$FLOOR" --vendor "$ARCHIVE" "$s-proj/vendor"
		cat "$s2/stdout.txt" >>"$RESULTS_TSV.floor.jsonl"
		cleanup "$s"; cleanup "$s-proj"; cleanup "$s2"
	else
		log "SKIP vendor: \`$MODSNAP vendor --help\` fails (not in this build)"
	fi
done

echo
cat "$RESULTS_TSV.env"
python3 "$BENCH_DIR/tools.py" summary "$RESULTS_TSV"
echo "raw rows: $RESULTS_TSV"
