#!/usr/bin/env python3
"""Compares the fake section's targets between repeated runs (`ci/bench --repeat N`).

Contract: `render_repeat.py OUT_DIR RUN1.json RUN2.json ...` computes every target of each run
(paired_report.fake_targets) and writes OUT_DIR/repeat.md: per target, its verdict in each run,
its median ratio in each run and the spread between runs, (max - min) / median of the runs'
medians, against the 10% bar. A target over many configurations (throughput) shows its largest
spread and the configuration it comes from. Prints a one-line summary. Exit status 0 when every
run has the paired results, 3 otherwise (a run without them cannot be compared). Standard library
only.
"""

import os
import statistics
import sys

import paired_report

SPREAD_MAX = 0.10


def spread(values):
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    mid = statistics.median(values)
    return (max(values) - min(values)) / abs(mid) if mid else None


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, paths = sys.argv[1], sys.argv[2:]
    runs = []
    for path in paths:
        subjects, failures = paired_report.load_paired(path)
        if not subjects:
            print(f"render_repeat: {path} has no paired results", file=sys.stderr)
            return 3
        runs.append({t["id"]: t for t in paired_report.fake_targets(subjects)})
    header = ["figure"] + [f"run {k + 1}" for k in range(len(runs))] + ["largest spread", "≤ 10%"]
    rows, all_met, all_close = [], True, True
    for tid, first in runs[0].items():
        per_run = [run.get(tid) for run in runs]
        cells = [first["figure"]]
        for t in per_run:
            if t is None:
                cells.append("n/a")
                continue
            shown = t["ratio"] if len(t["ratios"]) == 1 and t["ratio"] != "–" else t["value"]
            cells.append(f"**{t['verdict']}**: {shown}")
            all_met = all_met and t["verdict"] == "met"
        worst = None
        for config in first["ratios"]:
            s = spread([t["ratios"].get(config) if t else None for t in per_run])
            if s is not None and (worst is None or s > worst[0]):
                worst = (s, config)
        if worst is None:
            cells += ["n/a", "n/a"]
            all_close = False
        else:
            where = f" ({worst[1]})" if len(first["ratios"]) > 1 else ""
            cells += [f"{worst[0] * 100:.1f}%{where}", "yes" if worst[0] <= SPREAD_MAX else "**no**"]
            all_close = all_close and worst[0] <= SPREAD_MAX
        rows.append(cells)
    lines = ["# podlife benchmarks: repeated runs", "",
             f"{len(runs)} runs of `ci/bench` one after another (bench/results/runs/K/). Each cell is the target's "
             "verdict in that run and its median ratio with the 95% interval (bench/results/report.md explains the "
             "method). The spread of a ratio is (max - min) / median of its medians in the runs; for a target over "
             "many configurations, the largest spread over them and where.", ""]
    for k, path in enumerate(paths):
        load = os.path.join(os.path.dirname(path), "load.txt")
        if os.path.exists(load):
            with open(load) as f:
                lines.append(f"- Run {k + 1}: load average " + "; ".join(l.strip() for l in f if l.strip()))
    lines += ["", "| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    summary = (f"every target met in every run: {'yes' if all_met else 'no'}; "
               f"every spread within 10%: {'yes' if all_close else 'no'}")
    lines += ["", f"Summary: {summary}.", ""]
    with open(os.path.join(out_dir, "repeat.md"), "w") as f:
        f.write("\n".join(lines))
    print(f"render_repeat: wrote {os.path.join(out_dir, 'repeat.md')}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
