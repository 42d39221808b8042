#!/usr/bin/env python3
"""Helpers for modsnap's benchmark scripts (parsing and summarising; no network).

  tools.py missing-info ROOT            stdin "path version" lines -> path@version lacking .info/.mod
  tools.py time-row LABEL RUN T0 T1 RC TIMEFILE STATSJSON [OUTFILE]
                                        one TSV row from `/usr/bin/time -v` output
                                        [OUTFILE SERVER_CPU_S]
  tools.py summary TSV                  markdown table of medians per label
"""
import json
import os
import re
import statistics
import sys

COLUMNS = ["label", "run", "wall_s", "user_s", "sys_s", "cpu_s", "maxrss_mib", "exit",
           "zips", "mods", "infos", "other_req", "not_found", "served_mib", "out_bytes", "server_cpu_s"]


def escape(s):
    # Go module path/version case-escaping: upper-case letters become "!" + lower case.
    return re.sub("[A-Z]", lambda m: "!" + m.group(0).lower(), s)


def missing_info(root):
    out = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 2:
            continue
        path, version = parts
        base = os.path.join(root, escape(path), "@v", escape(version))
        if not (os.path.exists(base + ".info") and os.path.exists(base + ".mod")):
            out.append(f"{path}@{version}")
    print(" ".join(out))


def parse_time(path):
    vals = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, val = line.strip().rpartition(": ")
                vals[key] = val
    except FileNotFoundError:
        pass
    def num(key):
        try:
            return float(vals.get(key, "nan"))
        except ValueError:
            return float("nan")
    return num("User time (seconds)"), num("System time (seconds)"), num("Maximum resident set size (kbytes)")


def time_row(label, run, t0, t1, rc, timefile, stats, outfile=None, server_cpu=""):
    user, sys_, rss_kib = parse_time(timefile)
    st = json.loads(stats) if stats else {"requests": {}, "bytes": {}}
    req, byt = st.get("requests") or {}, st.get("bytes") or {}
    known = {".zip", ".mod", ".info", "404"}
    other = sum(v for k, v in req.items() if k not in known)
    out_bytes = os.path.getsize(outfile) if outfile and os.path.exists(outfile) else ""
    row = [label, run, f"{float(t1) - float(t0):.3f}", f"{user:.2f}", f"{sys_:.2f}", f"{user + sys_:.2f}",
           f"{rss_kib / 1024:.1f}", rc, req.get(".zip", 0), req.get(".mod", 0), req.get(".info", 0), other,
           req.get("404", 0), f"{sum(byt.values()) / 2**20:.1f}", out_bytes, server_cpu]
    print("\t".join(str(x) for x in row))


def summary(tsv):
    rows = {}
    order = []
    with open(tsv) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "label":
                continue
            rec = dict(zip(COLUMNS, parts))
            if rec["label"] not in rows:
                order.append(rec["label"])
            rows.setdefault(rec["label"], []).append(rec)

    def med(recs, key, fmt):
        vals = [float(r[key]) for r in recs if r.get(key) not in ("", None, "nan")]
        return fmt.format(statistics.median(vals)) if vals else "–"

    def spread(recs, key):
        vals = [float(r[key]) for r in recs if r.get(key) not in ("", None)]
        return f"{min(vals):.2f}–{max(vals):.2f}" if vals else "–"

    print("| what | runs | wall s (median) | wall s (min–max) | CPU s user+sys | peak RSS MiB | exit codes "
          "| served: zip / mod / info / 404 | served MiB | output bytes | server CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label in order:
        recs = rows[label]
        exits = ",".join(sorted({r["exit"] for r in recs}))
        served = "/".join(med(recs, k, "{:.0f}") for k in ("zips", "mods", "infos", "not_found"))
        print(f"| {label} | {len(recs)} | {med(recs, 'wall_s', '{:.2f}')} | {spread(recs, 'wall_s')} "
              f"| {med(recs, 'cpu_s', '{:.2f}')} | {med(recs, 'maxrss_mib', '{:.1f}')} | {exits} "
              f"| {served} | {med(recs, 'served_mib', '{:.1f}')} | {med(recs, 'out_bytes', '{:.0f}')} | {med(recs, 'server_cpu_s', '{:.2f}')} |")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "missing-info":
        missing_info(*args)
    elif cmd == "time-row":
        time_row(*args)
    elif cmd == "summary":
        summary(*args)
    elif cmd == "header":
        print("\t".join(COLUMNS))
    else:
        sys.exit(f"tools.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
