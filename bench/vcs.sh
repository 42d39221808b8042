#!/usr/bin/env bash
# Benchmark: private modules from git. VERSIONS (20) tagged versions of one fixture repository
# (FILES files of FILE_KB KiB, a tenth of them changed per version), reached as
# https://git.corp.example/bench/repo through a url.insteadOf to a local bare repository (no
# network), fetched from empty caches by `go mod download M@v1.0.0 … M@v1.19.0` and by
# `modsnap snapshot` of VERSIONS projects each requiring one version (one archive), side by side,
# RUNS× alternating. Both verify against the same go.sum lines (modsnap against go's).
#
#   bash bench/vcs.sh                 # RUNS=3
#
# Never run by cargo test or CI. See bench/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools
find_modsnap
command -v git >/dev/null || die "git not found"
VERSIONS=${VERSIONS:-20}
FILES=${FILES:-300}
FILE_KB=${FILE_KB:-8}
M=git.corp.example/bench/repo.git
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR" "$RESULTS_DIR"
W=$RUN_DIR/fixture
mkdir -p "$W/remote/bench" "$W/work"
cat >"$W/gitconfig" <<EOF
[url "file://$W/remote/"]
	insteadOf = https://git.corp.example/
[user]
	name = bench
	email = bench@example.com
[init]
	defaultBranch = main
[protocol "file"]
	allow = always
EOF
export GIT_CONFIG_GLOBAL=$W/gitconfig GIT_CONFIG_NOSYSTEM=1
git init -q --bare "$W/remote/bench/repo"
(
	cd "$W/work" && git init -q && git remote add origin "$W/remote/bench/repo"
	printf 'module %s\n\ngo 1.21\n' "$M" >go.mod
	python3 - "$FILES" "$FILE_KB" 0 <<'EOF'
import os, random, sys
n, kb, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
for i in range(n):
    d = f"pkg{i % 20}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i}.go", "w") as f:
        f.write(f"package pkg{i % 20}\n\n// " + "".join(r.choice("abcdefghij ") for _ in range(kb * 1024)) + "\n")
EOF
	for v in $(seq 0 $((VERSIONS - 1))); do
		python3 - "$FILES" "$FILE_KB" "$v" <<'EOF'
import random, sys
n, kb, v = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(1000 + v)
for i in r.sample(range(n), n // 10):
    with open(f"pkg{i % 20}/f{i}.go", "w") as f:
        f.write(f"package pkg{i % 20}\n\n// v{v} " + "".join(r.choice("abcdefghij ") for _ in range(kb * 1024)) + "\n")
EOF
		git add -A && GIT_COMMITTER_DATE="2024-01-01T00:00:$(printf %02d "$v")Z" GIT_AUTHOR_DATE="2024-01-01T00:00:$(printf %02d "$v")Z" git commit -q -m "v1.$v.0"
		git tag "v1.$v.0"
	done
	git push -q origin HEAD:refs/heads/main --tags
)
MODS=()
for v in $(seq 0 $((VERSIONS - 1))); do MODS+=("$M@v1.$v.0"); done

# The go.sum lines, from the real go once.
S=$RUN_DIR/prime
mkdir -p "$S"
mapfile -t ENVS < <(hermetic_env "$S")
(cd "$S" && env -i "${ENVS[@]}" GOPROXY=direct GOPRIVATE=git.corp.example GIT_CONFIG_GLOBAL="$GIT_CONFIG_GLOBAL" \
	GIT_CONFIG_NOSYSTEM=1 "$GO" mod download -json "${MODS[@]}" >"$S/dl.json")
for v in $(seq 0 $((VERSIONS - 1))); do
	d=$RUN_DIR/projects/p$v
	mkdir -p "$d"
	printf 'module example.com/p%s\n\ngo 1.21\n\nrequire %s v1.%s.0\n' "$v" "$M" "$v" >"$d/go.mod"
	python3 - "$S/dl.json" "v1.$v.0" >"$d/go.sum" <<'EOF'
import json, sys
text, want = open(sys.argv[1]).read(), sys.argv[2]
dec, i = json.JSONDecoder(), 0
while i < len(text):
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    doc, i = dec.raw_decode(text, i)
    if doc["Version"] == want:
        print(f'{doc["Path"]} {doc["Version"]} {doc["Sum"]}\n{doc["Path"]} {doc["Version"]}/go.mod {doc["GoModSum"]}')
EOF
done

results_begin vcs "runs: $RUNS; $VERSIONS versions × $FILES files × $FILE_KB KiB (a tenth changed per version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
TSV=$RESULTS_DIR/vcs-$STAMP-times.tsv
echo -e "tool\trun\twall_s\tcpu_s\tpeak_rss_MiB\texit" >"$TSV"
timed() { # LABEL RUN DIR -- CMD...
	local label=$1 run=$2 dir=$3 rc=0
	shift 4
	local s=$RUN_DIR/$label-$run
	mkdir -p "$s"
	mapfile -t envs < <(hermetic_env "$s")
	sync
	local t0 t1
	t0=$(date +%s.%N)
	(cd "$dir" && env -i "${envs[@]}" GOPROXY=direct GOPRIVATE=git.corp.example GIT_CONFIG_GLOBAL="$GIT_CONFIG_GLOBAL" \
		GIT_CONFIG_NOSYSTEM=1 /usr/bin/time -f '%U %S %M' -o "$s/time" "$@" >"$s/out" 2>&1) || rc=$?
	t1=$(date +%s.%N)
	read -r u sy m <"$s/time"
	printf '%s\t%s\t%.2f\t%.2f\t%.1f\t%s\n' "$label" "$run" "$(echo "$t1 - $t0" | bc)" "$(echo "$u + $sy" | bc)" "$(echo "$m / 1024" | bc -l)" "$rc" | tee -a "$TSV" >&2
	[[ $rc == 0 ]] || tail -3 "$s/out" >&2
}
run_go() { timed go "$1" "$RUN_DIR" -- "$GO" mod download "${MODS[@]}"; }
run_modsnap() {
	timed modsnap "$1" "$RUN_DIR/projects" -- "$MODSNAP" snapshot $(cd "$RUN_DIR/projects" && ls -d p*) \
		-o "$RUN_DIR/modsnap-$1.tar" --cache-dir "$RUN_DIR/modsnap-$1/cache" --no-gomodcache --no-sumdb --no-toolchains -q
}
for RUN_NO in $(seq "$RUNS"); do
	if ((RUN_NO % 2)); then run_go "$RUN_NO"; run_modsnap "$RUN_NO"
	else run_modsnap "$RUN_NO"; run_go "$RUN_NO"; fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS_TSV.env" >&2
python3 - "$TSV" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| tool | wall s median (min–max) | CPU s | peak RSS MiB | exits |")
print("|---|---|---|---|---|")
med = {}
for tool in ("go", "modsnap"):
    rs = [r for r in rows if r["tool"] == tool]
    w = [float(r["wall_s"]) for r in rs]
    med[tool] = statistics.median(w)
    print(f"| {tool} | {statistics.median(w):.2f} ({min(w):.2f}–{max(w):.2f}) | {statistics.median(float(r['cpu_s']) for r in rs):.2f} | "
          f"{max(float(r['peak_rss_MiB']) for r in rs):.1f} | {','.join(r['exit'] for r in rs)} |")
print(f"\nmodsnap/go wall: {med['modsnap']/med['go']:.2f}× (target ≤ 1.0×)")
EOF
echo "raw rows: $TSV"
