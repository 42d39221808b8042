#!/usr/bin/env bash
# Opt-in (needs the network; never run by `cargo test` or CI): `modsnap vendor`
# against `go mod vendor` on real, well-known module graphs fetched from your
# GOPROXY — graphs with cgo, embed, build tags, replace and +incompatible.
#
#   bash tests/opt-in/real-vendor.sh            # all projects below
#   bash tests/opt-in/real-vendor.sh MOD@VER    # just one
#
# For each module version: download its source with the go command, snapshot
# its dependencies with modsnap (from your GOPROXY), vendor it both ways, diff
# the trees byte for byte (and modes), then `go build -mod=vendor ./...` and
# `go vet -mod=vendor ./...` offline on modsnap's tree. Exits non-zero on any
# difference.
set -uo pipefail
cd "$(dirname "$0")/../.."

projects=(
  "github.com/spf13/cobra@v1.8.1"                   # small, build tags
  "gorm.io/driver/sqlite@v1.5.6"                    # cgo (mattn/go-sqlite3) in the graph
  "github.com/gin-gonic/gin@v1.10.0"                # build tags, many deps
  "github.com/prometheus/client_golang@v1.20.5"     # large graph, embed in deps
  "github.com/testcontainers/testcontainers-go@v0.33.0"  # +incompatible (docker/docker) in the graph
)
[ $# -gt 0 ] && projects=("$@")

cargo build --release --quiet || exit 1
modsnap="$PWD/target/release/modsnap"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOTOOLCHAIN=local GOFLAGS=-modcacherw GOENV=off
export GOPATH="$work/gopath" GOCACHE="$work/gocache"
fail=0
for pv in "${projects[@]}"; do
  name=${pv//[\/@+]/_}
  echo "== $pv"
  dl=$(GOMODCACHE="$work/src-cache" go mod download -json "$pv") || { echo "FAIL $pv: download"; fail=1; continue; }
  dir=$(printf '%s' "$dl" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  for side in go modsnap; do
    mkdir -p "$work/$name"; cp -r "$dir" "$work/$name/$side"; chmod -R u+w "$work/$name/$side"
    rm -rf "$work/$name/$side/vendor"
  done
  if [ ! -f "$work/$name/go/go.sum" ]; then echo "SKIP $pv: no go.sum"; continue; fi
  "$modsnap" snapshot "$work/$name/go" -o "$work/$name.tar" --cache-dir "$work/modsnap-cache" -q \
    || { echo "FAIL $pv: snapshot"; fail=1; continue; }
  (cd "$work/$name/go" && GOMODCACHE="$work/go-cache" go mod vendor) || { echo "SKIP $pv: go mod vendor fails"; continue; }
  "$modsnap" vendor "$work/$name.tar" --project "$work/$name/modsnap" || { echo "FAIL $pv: modsnap vendor"; fail=1; continue; }
  if [ ! -e "$work/$name/go/vendor" ] && [ ! -e "$work/$name/modsnap/vendor" ]; then
    echo "ok   $pv (no dependencies to vendor, both sides)"; continue
  fi
  if ! diff -r "$work/$name/go/vendor" "$work/$name/modsnap/vendor" >"$work/$name.diff" 2>&1; then
    echo "FAIL $pv: vendor trees differ:"; head -20 "$work/$name.diff"; fail=1; continue
  fi
  if [ "$(cd "$work/$name/go/vendor" && find . -printf '%p %m\n' | sort)" != "$(cd "$work/$name/modsnap/vendor" && find . -printf '%p %m\n' | sort)" ]; then
    echo "FAIL $pv: file modes differ"; fail=1; continue
  fi
  # build and vet must do on modsnap's tree what they do on go's (a module's
  # own tests may not vet with this Go release; that is not a vendor matter).
  for verb in build vet; do
    a=0; b=0
    (cd "$work/$name/go" && GOPROXY=off GOFLAGS=-mod=vendor go $verb ./... >/dev/null 2>&1) || a=$?
    (cd "$work/$name/modsnap" && GOPROXY=off GOFLAGS=-mod=vendor go $verb ./... >/dev/null 2>&1) || b=$?
    if [ "$a" != "$b" ]; then echo "FAIL $pv: go $verb -mod=vendor exits $b on modsnap's tree, $a on go's"; fail=1; fi
    [ "$a" = 0 ] || echo "note $pv: go $verb -mod=vendor fails on both trees (the module itself)"
  done
  echo "ok   $pv ($(find "$work/$name/modsnap/vendor" -type f | wc -l) files)"
done
exit $fail
