#!/usr/bin/env python3
"""Renders the real-runtime part of podlife_bench's JSON (`ci/bench --runtime ...`) into report.md:
the engine's and the proxy's overhead on the runtime, each with a 95% interval, and the hook
latencies measured directly and through the proxy.

Contract: `render_overhead.py RESULTS.json OUT_DIR` reads every repetition of the `overhead/...`
benchmarks (bench/overhead_benchmarks.cc). In each repetition the three variants ran interleaved,
so a repetition is one pair for each comparison: engine/bare (the engine's overhead over the bare
RPC sequence on the same runtime) and proxy/engine (the proxy's overhead over reaching the
runtime directly). A ratio is reported as the median over repetitions with a distribution-free
95% interval for the median (order statistics of the binomial), and judged against the 2%
target: "met" when the interval's upper end is at most 1.02, "missed" when its lower end is above
1.02, "within noise" otherwise. The same triples on the fake (`runtime:fake`) give the engine's
and the proxy's absolute cost (differences in µs, same interval), which the report also states
relative to the real runtime's bare time for the subject. Writes OUT_DIR/report.md. Exit status 0, or 3 when a benchmark
failed or no overhead results are in the file. Standard library only.
"""

import json
import math
import os
import platform
import statistics
import sys

from paired_report import median_interval  # the 95% interval of a median, shared with the main report
from render_report import table  # the markdown table of the main report

TARGET = 1.02  # overhead at most 2%
VARIANTS = ("bare", "engine", "proxy")


def parse_name(name):
    parts = [p for p in name.split("/") if p not in ("manual_time", "real_time", "process_time")
             and not p.startswith(("iterations:", "repeats:"))]
    family = "/".join(p for p in parts if ":" not in p)
    keys = dict(p.split(":", 1) for p in parts if ":" in p)
    return family, keys


def verdict(low, high):
    if high <= TARGET:
        return "met"
    if low > TARGET:
        return "missed"
    return "within noise"


def load(path):
    with open(path) as f:
        data = json.load(f)
    subjects = {}  # run_name -> {"keys":..., "reps": [counters], "error": str|None}
    hooks = {}  # (backend, type) -> best microseconds
    for e in data.get("benchmarks", []):
        if e.get("run_type") == "aggregate":
            continue
        run_name = e.get("run_name", e["name"])
        family, keys = parse_name(run_name)
        if family == "overhead":
            s = subjects.setdefault(run_name, {"keys": keys, "reps": [], "error": None})
            if e.get("error_occurred"):
                s["error"] = e.get("error_message", "failed")
            else:
                s["reps"].append({k: v for k, v in e.items() if "." in k and isinstance(v, (int, float))})
        elif family in ("hook", "floor/exec_sync") and not e.get("error_occurred"):
            scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[e.get("time_unit", "ns")]
            key = (keys.get("backend", ""), keys.get("type", "ExecSync floor"))
            hooks[key] = min(hooks.get(key, float("inf")), e["real_time"] * scale)
    return data.get("context", {}), subjects, hooks


def subject_label(keys):
    if keys["subject"] == "hook":
        return f"{keys['type']} hook (HandlerRunner::Run; bare: ExecSync)"
    if keys["subject"] == "path":
        return f"{keys['path']} path, hook {keys['type']}"
    return f"pod of {keys['containers']} container(s), hooks {keys['hooks']}"


def measures_of(subject):
    reps = subject["reps"]
    return sorted({k.split(".")[0] for r in reps for k in r}, key=lambda m: ("sync", "terminate", "path", "hook").index(m)
                  if m in ("sync", "terminate", "path", "hook") else 9)


def subject_key(keys):
    return tuple(sorted((k, v) for k, v in keys.items() if k != "runtime"))


def paired(subject, m):
    return {v: [r[f"{m}.{v}"] for r in subject["reps"]] for v in VARIANTS}


def pct(median, low, high, minus=1.0):
    return f"{(median - minus) * 100:+.2f}% [{(low - minus) * 100:+.2f}, {(high - minus) * 100:+.2f}]"


def direct_rows(subjects):
    """The real runtime: per-repetition ratios engine/bare and proxy/engine."""
    rows, verdicts = [], []
    for s in subjects.values():
        if s["keys"].get("runtime") != "real" or s["error"] or not s["reps"]:
            continue
        for m in measures_of(s):
            per = paired(s, m)
            em, el, eh, cov = median_interval([e / b for e, b in zip(per["engine"], per["bare"])])
            pm, pl, ph, _ = median_interval([p / e for p, e in zip(per["proxy"], per["engine"])])
            ev, pv = verdict(el, eh), verdict(pl, ph)
            what = subject_label(s["keys"]) + ("" if m in ("path", "hook") else f": {m}")
            verdicts.append((what, ev, pv, em, pm))
            rows.append([what, len(per["bare"]), *(f"{statistics.median(per[v]) * 1e3:.2f}" for v in VARIANTS),
                         pct(em, el, eh), ev, pct(pm, pl, ph), pv, f"{cov * 100:.1f}%"])
    return rows, verdicts


def cost_rows(subjects):
    """The fake's absolute differences (engine - bare, proxy - engine), relative to the real
    runtime's bare time for the same subject."""
    real = {subject_key(s["keys"]): s for s in subjects.values()
            if s["keys"].get("runtime") == "real" and s["reps"] and not s["error"]}
    rows, verdicts = [], []
    for s in subjects.values():
        if s["keys"].get("runtime") != "fake" or s["error"] or not s["reps"]:
            continue
        on_real = real.get(subject_key(s["keys"]))
        for m in measures_of(s):
            per = paired(s, m)
            ed = median_interval([e - b for e, b in zip(per["engine"], per["bare"])])
            pd = median_interval([p - e for p, e in zip(per["proxy"], per["engine"])])
            what = subject_label(s["keys"]) + ("" if m in ("path", "hook") else f": {m}")
            base = statistics.median(paired(on_real, m)["bare"]) if on_real else None
            row = [what, len(per["bare"]), f"{statistics.median(per['bare']) * 1e6:.0f}",
                   f"{ed[0] * 1e6:+.0f} [{ed[1] * 1e6:+.0f}, {ed[2] * 1e6:+.0f}]",
                   f"{pd[0] * 1e6:+.0f} [{pd[1] * 1e6:+.0f}, {pd[2] * 1e6:+.0f}]"]
            if base:
                er = [1 + x / base for x in ed[:3]]
                pr = [1 + x / base for x in pd[:3]]
                ev, pv = verdict(er[1], er[2]), verdict(pr[1], pr[2])
                verdicts.append((what, ev, pv, er[0], pr[0]))
                row += [f"{base * 1e3:.2f}", pct(*er), ev, pct(*pr), pv]
            else:
                row += ["n/a"] * 5
            rows.append(row)
    return rows, verdicts


def summary_lines(verdicts):
    out = []
    for label, index, value_index in (("engine overhead", 1, 3), ("proxy overhead", 2, 4)):
        counts = {v: sum(1 for x in verdicts if x[index] == v) for v in ("met", "within noise", "missed")}
        worst = max(verdicts, key=lambda x: x[value_index])
        out.append(f"  - {label}: {counts['met']} met, {counts['within noise']} within noise, {counts['missed']} missed "
                   f"of {len(verdicts)}; largest median {(worst[value_index] - 1) * 100:+.2f}% ({worst[0]})")
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    json_path, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    context, subjects, hooks = load(json_path)
    rows, verdicts = direct_rows(subjects)
    cost, cost_verdicts = cost_rows(subjects)
    load_start = context.get("load_avg")
    with open("/proc/loadavg") as f:
        load_end = f.read().split()[:3]
    out = ["# podlife on a real runtime: engine and proxy overhead", "",
           f"- Runtime: `{context.get('real_endpoint', 'n/a')}`, image `{context.get('real_image', 'n/a')}`",
           f"- Machine: {os.cpu_count()} cores, Linux {platform.release()}; run {context.get('date', 'n/a')}",
           f"- Load average: {', '.join(f'{x:.2f}' for x in load_start) if load_start else 'n/a'} at the start, "
           f"{', '.join(load_end)} at the end", ""]
    out += ["## Summary (target: at most +2%)", ""]
    if verdicts:
        out += ["- Measured on the runtime, paired (engine / bare, proxy / engine):"] + summary_lines(verdicts)
    if cost_verdicts:
        out += ["- Absolute cost measured on the fake, relative to the runtime's bare time:"] + summary_lines(cost_verdicts)
    out += ["", "## On the runtime, paired", "",
            "Each repetition runs bare, engine and proxy three times in rotated order; the milliseconds are "
            "medians over repetitions; an overhead is the median of the per-repetition ratios minus one, "
            "with its 95% interval in brackets (coverage in the last column). The runtime's own variation "
            "(forks, shims, its scheduling) is in every figure, so an interval can be wider than the "
            "overhead it measures.", "",
            table(["subject", "pairs", "bare ms", "engine ms", "proxy ms", "engine overhead", "engine ≤2%",
                   "proxy overhead", "proxy ≤2%", "interval coverage"], rows), "",
            "## The engine's and the proxy's absolute cost", "",
            "The same triples on the in-process fake, in the same run: its answers take microseconds, so the "
            "differences (µs, median of per-repetition differences, 95% interval) are what the engine adds over "
            "the bare RPCs and what the proxy adds over a direct connection. Relative to the runtime's bare "
            "time for the same subject (ms), they are the overhead a slower runtime leaves for them, as long "
            "as their cost does not grow with the runtime's slowness (the paired table above checks that).", "",
            table(["subject", "pairs", "bare µs (fake)", "engine − bare µs", "proxy − engine µs", "runtime bare ms",
                   "engine overhead", "engine ≤2%", "proxy overhead", "proxy ≤2%"], cost), ""]
    if hooks:
        out += ["## Hook latency (µs, best repetition)", "",
                table(["hook", "direct", "through the proxy"],
                      [[t, f"{hooks[(b, t)]:.0f}" if (b, t) in hooks else "n/a",
                        f"{hooks[('proxy', t)]:.0f}" if ("proxy", t) in hooks else "n/a"]
                       for b, t in sorted({("real", t) for _, t in hooks})]), ""]
    failed = [(n, s["error"]) for n, s in subjects.items() if s["error"]]
    if failed:
        out += ["## Benchmarks that failed", "", table(["benchmark", "error"], failed), ""]
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(out))
    print(f"render_overhead: wrote {os.path.join(out_dir, 'report.md')}")
    for name, error in failed:
        print(f"render_overhead: benchmark {name} failed: {error}", file=sys.stderr)
    return 3 if failed or not (verdicts or cost_verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
