#!/usr/bin/env bash
# Fuzzes modsnap's parsers and readers for a bounded time each (cargo-fuzz,
# libFuzzer, nightly Rust). Opt-in: never part of `cargo test` or .ci/run.
#
#   bash tests/opt-in/fuzz.sh                 # every target, 60 s each
#   FUZZ_SECONDS=600 bash tests/opt-in/fuzz.sh gosum archive_tar
#   FUZZ_UPDATE_CORPUS=1 bash tests/opt-in/fuzz.sh   # keep new inputs
#
# Targets (fuzz/fuzz_targets): archive_tar, archive_tar_gz, archive_tar_zst,
# archive_zip (read, verify and extract an archive: no panic, nothing
# written outside the target), gomod, gowork, gosum (parsers), modzip_check
# (module zip rules and h1 hashing). The seed corpus is fuzz/corpus/<target>;
# by default the run works on a copy, so the committed corpus only changes
# with FUZZ_UPDATE_CORPUS=1. A crash fails the script and leaves its input
# in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${FUZZ_SECONDS:-60}"
if ! rustup toolchain list | grep -q nightly; then
  echo "fuzz.sh: needs a nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  if [ "${FUZZ_UPDATE_CORPUS:-0}" != 1 ]; then
    mkdir -p "$work/$t"
    cp -r "$corpus/." "$work/$t/"
    corpus="$work/$t"
  fi
  echo "==> fuzz $t for ${seconds}s"
  abs="$(realpath "$corpus")"
  if ! (cd fuzz && cargo +nightly fuzz run "$t" "$abs" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20); then
    echo "fuzz.sh: $t FAILED (input in fuzz/artifacts/$t/)" >&2
    failed=1
  fi
done
exit "$failed"
