#!/usr/bin/env bash
# Opt-in checks against the REAL Go module proxy (whatever the go command's GOPROXY is).
# Needs the network, go and a modsnap binary; never part of `cargo test` or CI.
#
#   bash tests/opt-in/real-proxy.sh
#
# (a) snapshot testdata/example from the user's GOPROXY with an empty cache, unpack the
#     archive, and build from it air-gapped: empty GOMODCACHE, GOPROXY=file://<unpacked>,
#     HTTP(S)_PROXY at a closed loopback port, default GOSUMDB; `go build ./...`,
#     `go list -m all` and `go mod verify` must succeed; with go.sum emptied, `go mod tidy`
#     must rebuild it through the archive's checksum-database bundle, and `modsnap verify`
#     must re-check that bundle with sum.golang.org's key.
# (c) the same air-gapped `go mod tidy` for bench/project-small and bench/project (real graphs of
#     80 and 474 module versions), each bundle's size reported, and `snapshot --link` across the
#     real database's moving head with a GOPATH that used the earlier archive.
# (d) a real toolchain newer than the local go (TOOLCHAIN, default go1.26.11) captured for this
#     platform, and the air-gapped go switching to it (GOTOOLCHAIN=auto): go version, go build.
# (b) for each entry of known_real_module_hashes.json (golang/mod test sources), download
#     the module with the go command and check `modsnap hash zip|mod` prints the expected h1.
#
# Env: MODSNAP_BIN (default target/release/modsnap, built if missing), GO (default go),
#      MODSNAP_CONFORMANCE_DIR (default ../shared/conformance), KEEP=1 keeps the scratch dir.
set -uo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GO=${GO:-go}
CONF_DIR=${MODSNAP_CONFORMANCE_DIR:-$REPO_DIR/../shared/conformance}
HASHES=$CONF_DIR/xmod/known_real_module_hashes.json

PASS=0 FAIL=0 SKIP=0 FAILED=() SKIPPED=()
pass() { PASS=$((PASS + 1)); echo "PASS  $*"; }
skip() { SKIP=$((SKIP + 1)); SKIPPED+=("$*"); echo "SKIP  $*"; }
fail() { FAIL=$((FAIL + 1)); FAILED+=("$*"); echo "FAIL  $*"; }
die() { echo "real-proxy.sh: error: $*" >&2; exit 2; }

command -v "$GO" >/dev/null || die "go not found on PATH"
command -v python3 >/dev/null || die "python3 not found"
if [[ -n "${MODSNAP_BIN:-}" ]]; then MODSNAP=$MODSNAP_BIN; else
	MODSNAP=$REPO_DIR/target/release/modsnap
	[[ -x "$MODSNAP" ]] || (cd "$REPO_DIR" && cargo build --release) || die "cargo build --release failed"
fi
[[ -x "$MODSNAP" ]] || die "modsnap binary not found: $MODSNAP"

# The user's proxy settings, as the go command sees them (go env file included).
USER_GOPROXY=$("$GO" env GOPROXY)
echo "modsnap: $MODSNAP ($("$MODSNAP" --version)); $("$GO" version); GOPROXY=$USER_GOPROXY"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/modsnap-real-proxy.XXXXXX")
cleanup() {
	if [[ -n "${KEEP:-}" ]]; then echo "scratch kept: $SCRATCH"; return; fi
	chmod -R u+w "$SCRATCH" 2>/dev/null; rm -rf "$SCRATCH"
}
trap cleanup EXIT

# A closed loopback port: bind an ephemeral port, then release it.
CLOSED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

# go, hermetically: fresh GOPATH/GOMODCACHE/GOCACHE under $1, no go env file, no toolchain switch.
# Usage: hgo HOMEDIR [VAR=VALUE...] -- go-args...
hgo() {
	local h=$1; shift
	local extra=()
	while [[ $1 != -- ]]; do extra+=("$1"); shift; done
	shift
	mkdir -p "$h/home" "$h/tmp"
	env -u GOFLAGS -u GONOSUMDB -u GONOSUMCHECK -u GOPRIVATE -u GONOPROXY -u GOINSECURE -u GOSUMDB \
		HOME="$h/home" TMPDIR="$h/tmp" GOENV=off GOTOOLCHAIN=local GOTELEMETRY=off GOFLAGS=-modcacherw \
		GOPATH="$h/gopath" GOMODCACHE="$h/gomodcache" GOCACHE="$h/gocache" \
		GOPROXY="$USER_GOPROXY" "${extra[@]}" "$GO" "$@"
}

echo
echo "== (a) snapshot testdata/example from the real proxy, build from it air-gapped"
A=$SCRATCH/a
mkdir -p "$A/cache" "$A/unpacked"
cp -r "$REPO_DIR/testdata/example" "$A/example"
if (cd "$A/example" && "$MODSNAP" snapshot . -o "$A/snap.tar" --cache-dir "$A/cache" --no-gomodcache --quiet) \
	>"$A/snapshot.log" 2>&1; then
	pass "(a) modsnap snapshot testdata/example (empty cache, GOPROXY=$USER_GOPROXY)"
else
	fail "(a) modsnap snapshot testdata/example: $(tail -3 "$A/snapshot.log")"
fi
if [[ -f "$A/snap.tar" ]] && tar -xf "$A/snap.tar" -C "$A/unpacked"; then
	pass "(a) unpack the archive ($(tar -tf "$A/snap.tar" | wc -l) entries)"
	[[ -f "$A/unpacked/modsnap.json" ]] && pass "(a) archive has modsnap.json" || fail "(a) archive has no modsnap.json"
	# Offline: the file:// tree only; any network attempt hits a closed port.
	OFF=(GOPROXY="file://$A/unpacked" HTTPS_PROXY="http://127.0.0.1:$CLOSED_PORT"
		HTTP_PROXY="http://127.0.0.1:$CLOSED_PORT" https_proxy="http://127.0.0.1:$CLOSED_PORT"
		http_proxy="http://127.0.0.1:$CLOSED_PORT" NO_PROXY= no_proxy=)
	for args in "build ./..." "list -m all" "mod verify"; do
		# shellcheck disable=SC2086
		if out=$(cd "$A/example" && hgo "$A/go" "${OFF[@]}" -- $args 2>&1); then
			pass "(a) air-gapped go $args"
		else
			fail "(a) air-gapped go $args: $(tail -3 <<<"$out")"
		fi
	done
	# The checksum database kept on (default GOSUMDB): with go.sum emptied, a fresh GOPATH
	# and no network, `go mod tidy` must rebuild go.sum from the archive's bundle alone.
	cp "$A/example/go.sum" "$A/go.sum.orig"
	: >"$A/example/go.sum"
	if out=$(cd "$A/example" && hgo "$A/go-sumdb" "${OFF[@]}" -- mod tidy 2>&1) &&
		diff <(sort "$A/go.sum.orig") <(sort "$A/example/go.sum") >/dev/null; then
		pass "(a) air-gapped go mod tidy with an empty go.sum, verified through the shipped sum.golang.org bundle ($("$MODSNAP" ls "$A/snap.tar" | grep '^checksum database'))"
	else
		fail "(a) air-gapped go mod tidy through the shipped database: $(tail -3 <<<"$out")"
	fi
	cp "$A/go.sum.orig" "$A/example/go.sum"
	if out=$("$MODSNAP" verify "$A/snap.tar" 2>&1) && ! grep -q "not re-checked" <<<"$out"; then
		pass "(a) modsnap verify re-checks the bundle with sum.golang.org's key"
	else
		fail "(a) modsnap verify of the bundle: $out"
	fi
else
	fail "(a) unpack the archive"
fi

echo
echo "== (c) the checksum database kept on: real projects, sum.golang.org through the proxy"
# For each project: snapshot with an empty cache, restore --proxy, then air-gapped with a fresh
# GOPATH `go mod tidy` from an empty go.sum must rebuild go.sum (lines of the original only)
# through the shipped bundle. Then
# --link: bench/project snapshotted again, linked to project-small's archive, restored into the
# same tree; the GOPATH that already verified project-small (its latest head is the earlier one)
# must move on to the later head offline.
C=$SCRATCH/c
mkdir -p "$C"
OFFC() { echo GOPROXY="file://$1" HTTPS_PROXY="http://127.0.0.1:$CLOSED_PORT" HTTP_PROXY="http://127.0.0.1:$CLOSED_PORT" \
	https_proxy="http://127.0.0.1:$CLOSED_PORT" http_proxy="http://127.0.0.1:$CLOSED_PORT" NO_PROXY= no_proxy=; }
for proj in testdata/example bench/project-small bench/project; do
	name=$(basename "$proj")
	cp -r "$REPO_DIR/$proj" "$C/$name"
	if ! (cd "$C/$name" && "$MODSNAP" snapshot . -o "$C/$name.tar" --cache-dir "$C/cache-$name" --no-gomodcache --quiet) \
		>"$C/$name.log" 2>&1; then
		fail "(c) snapshot $proj: $(tail -3 "$C/$name.log")"
		continue
	fi
	"$MODSNAP" restore "$C/$name.tar" --proxy "$C/tree-$name" >/dev/null 2>&1 || { fail "(c) restore $proj"; continue; }
	cp "$C/$name/go.sum" "$C/$name.sum"
	: >"$C/$name/go.sum"
	# shellcheck disable=SC2046
	# (bench go.sum files hold more than tidy keeps: every line tidy writes must be one of them)
	if out=$(cd "$C/$name" && hgo "$C/go-$name" $(OFFC "$C/tree-$name") -- mod tidy 2>&1) &&
		[[ -s "$C/$name/go.sum" ]] && [[ -z $(comm -13 <(sort "$C/$name.sum") <(sort "$C/$name/go.sum")) ]]; then
		pass "(c) $proj: air-gapped go mod tidy from an empty go.sum, fresh GOPATH ($("$MODSNAP" ls "$C/$name.tar" | grep '^checksum database'))"
	else
		fail "(c) $proj: air-gapped go mod tidy through the bundle: $(tail -3 <<<"$out")"
	fi
	cp "$C/$name.sum" "$C/$name/go.sum"
done
if [[ -f "$C/project-small.tar" && -f "$C/project.tar" ]]; then
	# bench/project again (its warm cache), linked to project-small's archive: the large
	# graph's lookups reach a newer head than the small one's, so the link is a real proof.
	mkdir -p "$C/linked"
	cp -r "$REPO_DIR/bench/project/." "$C/linked/"
	if (cd "$C/linked" && "$MODSNAP" snapshot . -o "$C/linked.tar" --link "$C/project-small.tar" \
		--cache-dir "$C/cache-project" --no-gomodcache --quiet) >"$C/linked.log" 2>&1 &&
		out=$("$MODSNAP" restore "$C/linked.tar" --proxy "$C/tree-project-small" 2>&1) &&
		! grep -q warning <<<"$out"; then
		pass "(c) --link: the later bundle replaces project-small's in its tree ($("$MODSNAP" ls "$C/linked.tar" | grep '^checksum database'))"
		: >"$C/linked/go.sum"
		# shellcheck disable=SC2046
		if out=$(cd "$C/linked" && hgo "$C/go-project-small" $(OFFC "$C/tree-project-small") -- mod tidy 2>&1); then
			pass "(c) --link: the GOPATH that used project-small's head verifies the later archive offline"
		else
			fail "(c) --link: air-gapped go mod tidy with the older GOPATH: $(tail -3 <<<"$out")"
		fi
	else
		fail "(c) --link snapshot or restore: $(tail -3 "$C/linked.log") ${out:-}"
	fi
fi

echo
echo "== (d) a real toolchain from the Go module proxy, switched to offline"
# A project whose toolchain line names a release newer than the local go (TOOLCHAIN, default
# go1.26.11): snapshot captures it for this platform, restore --proxy, then air-gapped with
# GOTOOLCHAIN=auto and the default GOSUMDB `go version` must print it and `go build` work.
D=$SCRATCH/d
TC=${TOOLCHAIN:-go1.26.11}
LOCAL_GO=$("$GO" env GOVERSION)
if [[ $(printf '%s\n%s\n' "${LOCAL_GO#go}" "${TC#go}" | sort -V | tail -1) == "${LOCAL_GO#go}" ]]; then
	skip "(d) the local $LOCAL_GO is not older than $TC (set TOOLCHAIN)"
else
	mkdir -p "$D/proj"
	printf 'module example.com/tc\n\ngo 1.26.0\n\ntoolchain %s\n' "$TC" >"$D/proj/go.mod"
	printf 'package main\n\nfunc main() {}\n' >"$D/proj/main.go"
	: >"$D/proj/go.sum"
	PLATFORM=$("$GO" env GOOS)/$("$GO" env GOARCH)
	if (cd "$D/proj" && "$MODSNAP" snapshot . -o "$D/tc.tar" --platform "$PLATFORM" --cache-dir "$D/cache" \
		--no-gomodcache) >"$D/snapshot.log" 2>&1 &&
		"$MODSNAP" restore "$D/tc.tar" --proxy "$D/tree" >"$D/restore.log" 2>&1; then
		pass "(d) snapshot and restore: $(grep -o 'toolchain: .*' "$D/snapshot.log" | head -1)"
		# shellcheck disable=SC2046
		if out=$(cd "$D/proj" && hgo "$D/go" GOTOOLCHAIN=auto $(OFFC "$D/tree") -- version 2>&1) && grep -q "$TC" <<<"$out"; then
			pass "(d) air-gapped GOTOOLCHAIN=auto switches: $out"
		else
			fail "(d) air-gapped go version with the captured toolchain: $(tail -3 <<<"$out")"
		fi
		# shellcheck disable=SC2046
		if out=$(cd "$D/proj" && hgo "$D/go" GOTOOLCHAIN=auto $(OFFC "$D/tree") -- build ./... 2>&1); then
			pass "(d) air-gapped go build with $TC"
		else
			fail "(d) air-gapped go build with $TC: $(tail -3 <<<"$out")"
		fi
	else
		fail "(d) snapshot or restore of $TC: $(tail -3 "$D/snapshot.log" "$D/restore.log" 2>/dev/null)"
	fi
fi

echo
echo "== (b) known real module hashes ($HASHES)"
if [[ ! -f "$HASHES" ]]; then
	fail "(b) $HASHES not found (set MODSNAP_CONFORMANCE_DIR)"
else
	B=$SCRATCH/b
	# Hermetic module cache; checksum database off: these hashes are what we are checking.
	while IFS=$'\t' read -r mod ver kind want; do
		if ! json=$(hgo "$B/go" GOSUMDB=off -- mod download -json "$mod@$ver" 2>&1); then
			err=$(python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read()).get("Error","").splitlines()[0])
except Exception: print("")' <<<"$json")
			# The proxy refusing a version (403/404/410, e.g. "This module version is not
			# available") says nothing about modsnap: skip it, loudly. STRICT=1 fails instead.
			if [[ -z "${STRICT:-}" && $err =~ (403 Forbidden|404 Not Found|410 Gone) ]]; then
				skip "(b) $mod@$ver: the proxy does not serve it: ${err##*: }"
			else
				fail "(b) $mod@$ver: go mod download: ${err:-$(tail -2 <<<"$json")}"
			fi
			continue
		fi
		CHECKED=$((${CHECKED:-0} + 1))
		read -r zip gomod < <(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d.get("Zip","-"), d.get("GoMod","-"))' <<<"$json")
		rc=0
		if [[ $kind == zip ]]; then
			got=$("$MODSNAP" hash zip "$zip" --module "$mod@$ver" 2>&1) || rc=$?
		else
			got=$("$MODSNAP" hash mod "$gomod" --module "$mod@$ver" 2>&1) || rc=$?
		fi
		# The go.sum line: "path version[/go.mod] h1:..."; take the last field.
		if [[ $rc -eq 0 && "${got##* }" == "$want" ]]; then
			pass "(b) $mod $ver ($kind) $want"
		else
			fail "(b) $mod $ver ($kind): want $want, modsnap printed: $got"
		fi
	done < <(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print("\t".join([c["module"], c["version"], c["kind"], c["h1"]]))' "$HASHES")
fi

echo
if [[ -f "$HASHES" && ${CHECKED:-0} -eq 0 ]]; then
	fail "(b) not one module of $HASHES could be downloaded: is the proxy reachable?"
fi
echo "== summary: $PASS passed, $FAIL failed, $SKIP skipped (not served by the proxy; STRICT=1 makes these failures)"
for f in "${SKIPPED[@]}"; do echo "  SKIP $f"; done
for f in "${FAILED[@]}"; do echo "  FAIL $f"; done
[[ $FAIL -eq 0 ]]
