#!/usr/bin/env python3
"""Renders podlife_bench's Google Benchmark JSON into bench/results/: report.md and PNG charts.

Contract: `render_report.py RESULTS.json OUT_DIR` reads the JSON (of each benchmark's
repetitions, the best: the least disturbed on a shared machine), writes OUT_DIR/report.md (machine, a targets table with
each figure beside its floor, their ratio and whether the issue's target is met, then the full
tables) and, through gnuplot, OUT_DIR/hook_latency.png, throughput_concurrency.png,
cost_per_container.png and fake_capacity.png, with their data in OUT_DIR/data/. Benchmark names
are `family/key:value/...` (bench/benchmarks.h). Missing benchmarks show as "n/a"; a missing
gnuplot skips the charts with a note. Exit status 0, or 3 when a benchmark failed (listed in the
report; the real-runtime placeholder skipped for want of an endpoint does not count). Standard
library only.
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

import paired_report

# The targets.
HOOK_LATENCY_MAX_RATIO = 1.25  # exec and httpGet hook latency <= 1.25x their floor
SYNC_THROUGHPUT_MIN_RATIO = 0.8  # pod sync throughput >= 0.8x the bare sequence
FAKE_CAPACITY_MIN_RATIO = 0.8  # fake >= 0.8x the bare server
LINEARITY_MAX_RATIO = 1.25  # marginal cost per container, 4->16 vs 1->4 (no superlinear growth)
CORES_BUSY_MIN_RATIO = 0.95  # the engine keeps the cores as busy as the bare sequence (paired_report.py)

CONTAINERS = [1, 4, 16]
HOOKS = ["none", "exec"]
PODS = [1, 2, 4, 8]
CLIENTS = [1, 4, 16]
HOOK_TYPES = ["exec", "httpGet", "sleep0"]
PHASES = [("sync", "pod sync"), ("terminate", "termination")]


# ---- reading ----

SPREADS = {}  # benchmark -> the wall time per iteration of each of its repetitions

def parse_name(run_name):
    """'sync/backend:fake/impl:engine/.../process_time/real_time' -> ('sync', {'backend': 'fake', ...});
    'floor/http_get/real_time' -> ('floor/http_get', {})."""
    parts = run_name.split("/")
    while parts and parts[-1] in ("real_time", "process_time", "manual_time"):
        parts.pop()
    family = []
    keys = {}
    for part in parts:
        if ":" in part:
            key, value = part.split(":", 1)
            keys[key] = value
        elif not keys:
            family.append(part)
    return "/".join(family), keys


def to_us(value, unit):
    return value * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def load_results(path):
    """Per benchmark, its best repetition (least wall time per iteration: on a shared machine the
    least disturbed one), or its error."""
    with open(path) as f:
        data = json.load(f)
    results = {}
    for e in data.get("benchmarks", []):
        if e.get("run_type") == "aggregate":
            continue
        family, keys = parse_name(e.get("run_name", e["name"]))
        key = (family, tuple(sorted(keys.items())))
        record = {"family": family, "keys": keys, "error": e.get("error_message") if e.get("error_occurred") else None}
        if not record["error"]:
            unit = e.get("time_unit", "ns")
            record["real_us"] = to_us(e["real_time"], unit)
            record["cpu_us"] = to_us(e["cpu_time"], unit)
            for k, v in e.items():
                if isinstance(v, (int, float)) and k not in record:
                    record[k] = v
        if not record["error"]:
            SPREADS.setdefault(key, []).append(record["real_us"])
        best = results.get(key)
        if best is None or (best["error"] and not record["error"]) or \
                (not record["error"] and record["real_us"] < best["real_us"]):
            results[key] = record
    return data.get("context", {}), results


class Results:
    def __init__(self, records):
        self.records = records

    def get(self, family, **keys):
        record = self.records.get((family, tuple(sorted((k, str(v)) for k, v in keys.items()))))
        if record is None or record["error"]:
            return None
        return record

    def error(self, family, **keys):
        record = self.records.get((family, tuple(sorted((k, str(v)) for k, v in keys.items()))))
        return record["error"] if record else None

    def backends(self):
        found = {r["keys"]["backend"] for r in self.records.values() if "backend" in r["keys"] and not r["error"]}
        return [b for b in ("fake", "real") if b in found]


# ---- formatting ----

def fmt(value, digits=1, suffix=""):
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def ratio(value, floor):
    if value is None or floor is None or floor == 0:
        return None
    return value / floor


def verdict(met):
    if met is None:
        return "n/a"
    return "**met**" if met else "**missed**"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


# ---- figures ----

def real_us(record):
    return record["real_us"] if record else None


def path_delta(res, backend, impl, path, hook):
    """The hook's cost on a path: the path with the hook minus the same path without one."""
    with_hook = real_us(res.get("hook_path", backend=backend, impl=impl, path=path, type=hook))
    baseline = real_us(res.get("hook_path", backend=backend, impl=impl, path=path, type="none"))
    return None if with_hook is None or baseline is None else with_hook - baseline


def hook_figures(res, backend):
    """Per hook type (us): the runner's latency beside its floor, and per path the engine's
    delta beside the bare path's delta."""
    floors = {"exec": real_us(res.get("floor/exec_sync", backend=backend)),
              "httpGet": real_us(res.get("floor/http_get"))}
    figures = {}
    for hook in HOOK_TYPES:
        f = {"floor": floors.get(hook), "runner": real_us(res.get("hook", backend=backend, type=hook))}
        for path in ("postStart", "preStop"):
            f[path] = path_delta(res, backend, "engine", path, hook)
            f[path + "_floor"] = path_delta(res, backend, "bare", path, hook) if hook in floors else None
        figures[hook] = f
    return figures


def throughput(res, phase, backend, impl, containers, hooks, pods):
    record = res.get(phase, backend=backend, impl=impl, containers=containers, hooks=hooks, pods=pods)
    if not record:
        return None
    return record


def pods_per_second(record):
    return record.get("items_per_second") if record else None


def cores_busy(record):
    if not record or not record.get("real_us"):
        return None
    return record["cpu_us"] / record["real_us"]


def linearity(res, phase, backend, impl, hooks):
    """Marginal us per container for 1->4 and 4->16 (pods=1) and their ratio."""
    per_pod = {}
    for c in CONTAINERS:
        pps = pods_per_second(throughput(res, phase, backend, impl, c, hooks, 1))
        per_pod[c] = 1e6 / pps if pps else None
    if None in per_pod.values():
        return per_pod, None, None, None
    low = (per_pod[4] - per_pod[1]) / 3
    high = (per_pod[16] - per_pod[4]) / 12
    return per_pod, low, high, (high / low if low > 0 else None)


# ---- report ----

def spread_line():
    """How far a benchmark's median repetition is from its best: the noise under the ratios."""
    spreads = sorted(statistics.median(t) / min(t) - 1 for t in SPREADS.values() if len(t) > 1 and min(t) > 0)
    if not spreads:
        return "- Noise: one repetition per benchmark, no spread measured"
    p90 = spreads[min(len(spreads) - 1, int(0.9 * len(spreads)))]
    return (f"- Noise: a benchmark's median repetition is {statistics.median(spreads) * 100:.0f}% slower than its best "
            f"(median over benchmarks; 90th percentile {p90 * 100:.0f}%): ratios closer to a target than that are "
            f"within the noise of this machine")


def machine_lines(context):
    cpu_model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = context.get("load_avg")
    return [
        f"- Machine: {os.cpu_count()} cores (nproc), {cpu_model}, Linux {platform.release()}",
        f"- Run: {context.get('date', 'unknown')}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in load) if load else 'n/a'}; "
        f"Google Benchmark library (Debian's) built as {context.get('library_build_type', 'unknown')}, which affects only its own bookkeeping; "
        f"each figure is the best of its repetitions (run in random order)",
        f"- Fake CRI call log capacity: {context.get('fake_call_log_capacity', 'n/a')} records; "
        f"real runtime: {context.get('real_endpoint', 'not given (PODLIFE_BENCH_ENDPOINT unset)')}",
    ]


def targets_table(res, backend):
    rows = []
    hooks = hook_figures(res, backend)
    for hook in ("exec", "httpGet"):
        f = hooks[hook]
        floor_name = "bare ExecSync" if hook == "exec" else "bare httplib GET"
        for label, key, floor_key, floor_label in (
                ("HandlerRunner::Run", "runner", "floor", floor_name),
                ("on the postStart path (Δ vs no hook)", "postStart", "postStart_floor", "the bare path's Δ"),
                ("on the preStop path (Δ vs no hook)", "preStop", "preStop_floor", "the bare path's Δ")):
            r = ratio(f[key], f[floor_key])
            rows.append([f"{hook} hook latency, {label}", fmt(f[key], 1, " µs"),
                         f"{fmt(f[floor_key], 1, ' µs')} ({floor_label})", fmt(r, 2, "x"),
                         f"≤ {HOOK_LATENCY_MAX_RATIO}x", verdict(None if r is None else r <= HOOK_LATENCY_MAX_RATIO)])
    f = hooks["sleep0"]
    rows.append(["sleep 0 hook latency (runner / preStop path Δ)",
                 f"{fmt(f['runner'], 3, ' µs')} / {fmt(f['preStop'], 1, ' µs')}", "none (no I/O)", "–", "–", "info"])

    for phase, label in PHASES:
        ratios = []
        worst = None
        for c in CONTAINERS:
            for h in HOOKS:
                for p in PODS:
                    e = pods_per_second(throughput(res, phase, backend, "engine", c, h, p))
                    b = pods_per_second(throughput(res, phase, backend, "bare", c, h, p))
                    r = ratio(e, b)
                    if r is not None:
                        ratios.append(r)
                        if worst is None or r < worst[0]:
                            worst = (r, c, h, p)
        met_count = sum(1 for r in ratios if r >= SYNC_THROUGHPUT_MIN_RATIO)
        value = (f"median {statistics.median(ratios):.2f}x, worst {worst[0]:.2f}x "
                 f"({worst[1]} containers, hooks {worst[2]}, {worst[3]} pods)") if ratios else "n/a"
        rows.append([f"{label} throughput, engine vs bare sequence (all {len(ratios)} configurations)", value,
                     "bare RPC sequence, same pods", f"{met_count}/{len(ratios)} ≥ {SYNC_THROUGHPUT_MIN_RATIO}x",
                     f"≥ {SYNC_THROUGHPUT_MIN_RATIO}x", verdict(None if not ratios else met_count == len(ratios))])

    for phase, label in PHASES:
        for h in HOOKS:
            per_pod, low, high, r = linearity(res, phase, backend, "engine", h)
            rows.append([f"{label} cost vs containers per pod (hooks {h}, 1 pod)",
                         f"{fmt(per_pod.get(1), 0)} / {fmt(per_pod.get(4), 0)} / {fmt(per_pod.get(16), 0)} µs per pod at 1/4/16",
                         f"{fmt(low, 1)} µs per container (1→4)", f"{fmt(high, 1)} µs per container (4→16), {fmt(r, 2, 'x')}",
                         f"≤ {LINEARITY_MAX_RATIO}x", verdict(None if r is None else r <= LINEARITY_MAX_RATIO)])

    for phase, label in PHASES:
        one = throughput(res, phase, backend, "engine", 4, "none", 1)
        eight = throughput(res, phase, backend, "engine", 4, "none", 8)
        busy = cores_busy(eight)
        bare_busy = cores_busy(throughput(res, phase, backend, "bare", 4, "none", 8))
        busy_ratio = ratio(busy, bare_busy)
        speedup = ratio(pods_per_second(eight), pods_per_second(one))
        rows.append([f"{label} concurrency (4 containers, no hooks): cores busy at 8 pods", fmt(busy, 2, " cores"),
                     f"{fmt(bare_busy, 2, ' cores')} (bare sequence); {fmt(cores_busy(one), 2, ' cores')} at 1 pod",
                     f"{fmt(busy_ratio, 2, 'x')}; speedup {fmt(speedup, 2, 'x')} (8 vs 1 pod)",
                     f"≥ {CORES_BUSY_MIN_RATIO}x the bare sequence's",
                     verdict(None if busy_ratio is None else busy_ratio >= CORES_BUSY_MIN_RATIO)])

    if backend == "fake":
        for clients in CLIENTS:
            fake = res.get("capacity", server="fake", clients=clients)
            bare = res.get("capacity", server="bare", clients=clients)
            r = ratio(pods_per_second(fake), pods_per_second(bare))
            rows.append([f"fake CRI capacity, {clients} concurrent clients", fmt(pods_per_second(fake), 0, " calls/s"),
                         f"{fmt(pods_per_second(bare), 0, ' calls/s')} (bare gRPC server)", fmt(r, 2, "x"),
                         f"≥ {FAKE_CAPACITY_MIN_RATIO}x", verdict(None if r is None else r >= FAKE_CAPACITY_MIN_RATIO)])
        fake = res.get("capacity", server="fake", clients=CLIENTS[-1])
        if fake:
            rows.append(["fake CRI memory, call log bounded", f"{fmt(fake.get('rss_mib'), 1)} MiB RSS (whole process)",
                         f"growth {fmt(fake.get('rss_growth_mib'), 2)} MiB over {fmt(fake.get('calls_served'), 0)} calls",
                         f"{fmt(fake.get('call_log_records'), 0)} records kept", "bounded", "info"])
    return table(["figure", "value", "floor", "ratio", "target", "met"], rows)


def hook_table(res, backend):
    rows = []
    for hook, f in hook_figures(res, backend).items():
        rows.append([hook, fmt(f["floor"], 1), fmt(f["runner"], 3 if hook == "sleep0" else 1),
                     fmt(ratio(f["runner"], f["floor"]), 2, "x"),
                     fmt(f["postStart"], 1), fmt(f["postStart_floor"], 1), fmt(ratio(f["postStart"], f["postStart_floor"]), 2, "x"),
                     fmt(f["preStop"], 1), fmt(f["preStop_floor"], 1), fmt(ratio(f["preStop"], f["preStop_floor"]), 2, "x")])
    for path in ("postStart", "preStop"):
        engine = real_us(res.get("hook_path", backend=backend, impl="engine", path=path, type="none"))
        bare = real_us(res.get("hook_path", backend=backend, impl="bare", path=path, type="none"))
        rows.append([f"(no hook: the {path} path itself, engine / bare)", "", "", "", "", "", "", "", "",
                     f"{fmt(engine, 1)} / {fmt(bare, 1)} µs"])
    return table(["hook", "floor", "runner", "ratio", "postStart Δ", "bare Δ", "ratio", "preStop Δ", "bare Δ",
                  "ratio"], rows)


def throughput_table(res, phase, backend):
    rows = []
    for c in CONTAINERS:
        for h in HOOKS:
            for p in PODS:
                e = throughput(res, phase, backend, "engine", c, h, p)
                b = throughput(res, phase, backend, "bare", c, h, p)
                r = ratio(pods_per_second(e), pods_per_second(b))
                rpcs = f"{fmt(e.get('rpcs_per_pod') if e else None, 0)} / {fmt(b.get('rpcs_per_pod') if b else None, 0)}"
                rows.append([c, h, p, fmt(pods_per_second(e), 0), fmt(pods_per_second(b), 0), fmt(r, 2, "x"),
                             fmt(None if r is None else (1 - r) * 100, 0, "%"), fmt(cores_busy(e), 2), fmt(cores_busy(b), 2),
                             rpcs, verdict(None if r is None else r >= SYNC_THROUGHPUT_MIN_RATIO)])
    return table(["containers", "hooks", "pods at once", "engine pods/s", "bare pods/s", "ratio",
                  "engine's own share", "cores busy (engine)", "cores busy (bare)", "RPCs per pod (engine / bare)",
                  f"≥ {SYNC_THROUGHPUT_MIN_RATIO}x"], rows)


def capacity_table(res):
    rows = []
    for clients in CLIENTS:
        fake = res.get("capacity", server="fake", clients=clients)
        bare = res.get("capacity", server="bare", clients=clients)
        rows.append([clients, fmt(pods_per_second(fake), 0), fmt(pods_per_second(bare), 0),
                     fmt(ratio(pods_per_second(fake), pods_per_second(bare)), 2, "x"),
                     fmt(fake.get("rss_mib") if fake else None, 1), fmt(fake.get("rss_growth_mib") if fake else None, 2),
                     fmt(fake.get("call_log_records") if fake else None, 0)])
    return table(["clients", "fake calls/s", "bare calls/s", "ratio", "RSS MiB", "RSS growth MiB", "call log records"], rows)


# ---- charts ----

def write_dat(path, header, rows):
    with open(path, "w") as f:
        f.write("# " + " ".join(header) + "\n")
        for row in rows:
            f.write(" ".join("NaN" if v is None else str(v) for v in row) + "\n")


def render_charts(res, out_dir):
    data_dir = os.path.join(out_dir, "data")
    os.makedirs(data_dir, exist_ok=True)
    backend = (res.backends() or ["fake"])[0]  # the fake's figures, unless only a real runtime ran
    runtime = "fake CRI" if backend == "fake" else "real runtime"
    hooks = hook_figures(res, backend)
    write_dat(os.path.join(data_dir, "hook_latency.dat"),
              ["hook", "floor", "runner", "postStart_delta", "postStart_bare_delta", "preStop_delta", "preStop_bare_delta"],
              [[h, hooks[h]["floor"], hooks[h]["runner"], hooks[h]["postStart"], hooks[h]["postStart_floor"],
                hooks[h]["preStop"], hooks[h]["preStop_floor"]] for h in HOOK_TYPES])
    for phase, _ in PHASES:
        for h in HOOKS:
            rows = []
            for p in PODS:
                row = [p]
                for impl in ("engine", "bare"):
                    for c in CONTAINERS:
                        row.append(pods_per_second(throughput(res, phase, backend, impl, c, h, p)))
                rows.append(row)
            write_dat(os.path.join(data_dir, f"{phase}_{h}_concurrency.dat"),
                      ["pods"] + [f"{i}_c{c}" for i in ("engine", "bare") for c in CONTAINERS], rows)
        rows = []
        for c in CONTAINERS:
            row = [c]
            for impl in ("engine", "bare"):
                for h in HOOKS:
                    pps = pods_per_second(throughput(res, phase, backend, impl, c, h, 1))
                    row.append(1e6 / pps if pps else None)
            rows.append(row)
        write_dat(os.path.join(data_dir, f"{phase}_cost.dat"),
                  ["containers"] + [f"{i}_{h}" for i in ("engine", "bare") for h in HOOKS], rows)
    write_dat(os.path.join(data_dir, "capacity.dat"), ["clients", "fake", "bare"],
              [[c, pods_per_second(res.get("capacity", server="fake", clients=c)),
                pods_per_second(res.get("capacity", server="bare", clients=c))] for c in CLIENTS])

    script = f"""
set terminal pngcairo size 900,520 font 'sans,10'
set datafile missing 'NaN'
set key outside right top
set grid ytics

set output '{out_dir}/hook_latency.png'
set title 'Hook latency ({runtime}, profile 1.35): engine vs floor'
set key below
set ylabel 'µs per hook'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
plot '{data_dir}/hook_latency.dat' using 2:xtic(1) title 'floor (bare ExecSync / httplib GET)', \\
     '' using 3 title 'HandlerRunner::Run', \\
     '' using 5 title 'postStart path Δ, bare', \\
     '' using 4 title 'postStart path Δ, engine', \\
     '' using 7 title 'preStop path Δ, bare', \\
     '' using 6 title 'preStop path Δ, engine'
unset style

set output '{out_dir}/throughput_concurrency.png'
set terminal pngcairo size 1200,800 font 'sans,10'
set multiplot layout 2,2 title 'Pods per second vs pods handled at once ({runtime}; solid = engine, dashed = bare sequence)'
set logscale x 2
set logscale y 10
set xlabel 'pods at once'
set ylabel 'pods/s (log scale)'
set key inside left top font ',8'
"""
    for phase, label in PHASES:
        for h in HOOKS:
            f = f"{data_dir}/{phase}_{h}_concurrency.dat"
            script += f"""set title '{label}, hooks: {h}'
plot '{f}' using 1:2 with linespoints lc 1 lw 2 title 'engine, 1 container', \\
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, 4', \\
     '' using 1:4 with linespoints lc 3 lw 2 title 'engine, 16', \\
     '' using 1:5 with linespoints lc 1 dt 2 title 'bare, 1', \\
     '' using 1:6 with linespoints lc 2 dt 2 title 'bare, 4', \\
     '' using 1:7 with linespoints lc 3 dt 2 title 'bare, 16'
"""
    script += f"""unset multiplot
unset logscale x
unset logscale y

set terminal pngcairo size 1200,520 font 'sans,10'
set output '{out_dir}/cost_per_container.png'
set multiplot layout 1,2 title 'Cost per pod vs containers per pod ({runtime}, 1 pod at a time)'
set xlabel 'containers per pod'
set ylabel 'µs per pod'
set xtics (1, 4, 16)
"""
    for phase, label in PHASES:
        script += f"""set title '{label}'
plot '{data_dir}/{phase}_cost.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, no hooks', \\
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, exec hooks', \\
     '' using 1:4 with linespoints lc 1 dt 2 title 'bare, no hooks', \\
     '' using 1:5 with linespoints lc 2 dt 2 title 'bare, exec hooks'
"""
    script += "unset multiplot\nset xtics autofreq\n"
    if any(res.get("capacity", server=server, clients=c) for server in ("fake", "bare") for c in CLIENTS):
        script += f"""
set terminal pngcairo size 900,520 font 'sans,10'
set output '{out_dir}/fake_capacity.png'
set title 'Fake CRI capacity: Version calls/s vs concurrent clients'
set xlabel 'concurrent clients (one connection each)'
set ylabel 'calls/s'
set logscale x 2
set yrange [0:*]
plot '{data_dir}/capacity.dat' using 1:2 with linespoints lw 2 title 'fake CRI server', \\
     '' using 1:3 with linespoints lw 2 dt 2 title 'bare gRPC server'
"""
    script_path = os.path.join(data_dir, "charts.gp")
    with open(script_path, "w") as f:
        f.write(script)
    if not shutil.which("gnuplot"):
        return "gnuplot not found: charts not drawn (ci/install-deps installs gnuplot-nox)"
    done = subprocess.run(["gnuplot", script_path], capture_output=True, text=True)
    if done.returncode != 0:
        return "gnuplot failed: " + done.stderr.strip()
    return None


PAIRED_METHOD = (
    "Each target is judged from paired rounds (`paired/...`, bench/paired_benchmarks.cc): the figure and its "
    "floor ran alternately in the same process, 2 x V short rounds per repetition, and each repetition gives "
    "one ratio. The ratio column is the median over repetitions with a distribution-free 95% interval; the "
    "verdict is \"met\" or \"missed\" only when the whole interval is on one side of the target, otherwise "
    "\"within noise\". A Δ (the hook's cost on a path) is the path with the hook minus the same path "
    "without it, both from rounds run side by side.")


def load_lines(out_dir):
    """The load average ci/bench recorded before and after the run (OUT_DIR/load.txt), if any."""
    try:
        with open(os.path.join(out_dir, "load.txt")) as f:
            return [f"- Load average {line.strip()}" for line in f if line.strip()]
    except OSError:
        return []


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    json_path, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    context, records = load_results(json_path)
    res = Results(records)
    chart_note = render_charts(res, out_dir)

    out = ["# podlife benchmark report", ""]
    out += machine_lines(context)
    out += load_lines(out_dir)
    out.append(spread_line())
    out += ["", "Each figure is measured beside its floor in the same run on the same machine: the bare "
            "gRPC round trip (generated stub, no engine), the bare cpp-httplib GET, the bare RPC "
            "sequence of the same pod, the bare gRPC server. Ratios are figure / floor for latencies "
            "and engine / bare for throughput. Produced by `ci/bench` from `latest.json`.", ""]
    backends = res.backends() or ["fake"]
    subjects, paired_failures = paired_report.load_paired(json_path)
    for backend in backends:
        title = "fake CRI runtime (in-process)" if backend == "fake" else f"real runtime ({context.get('real_endpoint', '')})"
        if backend == "fake" and subjects:
            out += [f"## Targets: {title}", "", PAIRED_METHOD, "",
                    paired_report.targets_table(paired_report.fake_targets(subjects)), ""]
        else:
            out += [f"## Targets: {title}", "", targets_table(res, backend), ""]
    out += ["## Hook latency (µs; Δ = the path with the hook minus the same path without one; "
            "the bare Δ is the same difference for the path done with bare RPCs and a bare GET)", ""]
    for backend in backends:
        out += [f"### backend: {backend}", "", hook_table(res, backend), ""]
    for phase, label in PHASES:
        out += [f"## {label.capitalize()} throughput", ""]
        for backend in backends:
            out += [f"### backend: {backend}", "", throughput_table(res, phase, backend), ""]
    out += ["## Fake CRI capacity and memory (Version calls, one connection per client)", "", capacity_table(res), ""]
    out += ["## Real runtime", ""]
    if "real" in backends:
        out += ["Against the runtime at `" + context.get("real_endpoint", "") + "`; the tables above have a "
                "`backend: real` part. \"Engine's own share\" is 1 - engine/bare throughput: the share of "
                "the time that is the engine's, not the runtime's. \"Cores busy\" counts this process only, so "
                "there it leaves out the runtime's own CPU.", ""]
    else:
        reason = res.error("real_runtime", backend="real") or "no real-runtime results in this run"
        out += [f"Skipped: {reason}.", ""]
    out += ["## Charts", ""]
    if chart_note:
        out += [chart_note, ""]
    else:
        for png, caption in (("hook_latency.png", "hook latency"), ("throughput_concurrency.png", "throughput vs concurrency"),
                             ("cost_per_container.png", "cost per container"), ("fake_capacity.png", "fake capacity")):
            if os.path.exists(os.path.join(out_dir, png)):
                out += [f"![{caption}]({png})", ""]
    failed = sorted((family + "".join(f"/{k}:{v}" for k, v in keys), r["error"])
                    for (family, keys), r in records.items()
                    if r["error"] and family not in ("real_runtime", "paired"))
    failed += sorted(("paired/target:" + subject, error) for subject, error in paired_failures.items())
    if failed:
        out += ["## Benchmarks that failed", "", table(["benchmark", "error"], failed), ""]
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(out))
    print(f"render_report: wrote {os.path.join(out_dir, 'report.md')}" + (f" ({chart_note})" if chart_note else " and its charts"))
    for name, error in failed:
        print(f"render_report: benchmark {name} failed: {error}", file=sys.stderr)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
