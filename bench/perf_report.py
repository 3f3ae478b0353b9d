#!/usr/bin/env python3
"""Turns the runs of bench/run-all.sh into bench/results/<date>.json and <date>.md, and the README's
performance section (between <!-- perf:begin --> and <!-- perf:end -->) from that table.

  perf_report.py collect WORKDIR OUT_BASE      # WORKDIR holds run-all.sh's files; writes OUT_BASE.json/.md
  perf_report.py readme RESULTS.json README.md # regenerates the README section from a results file
"""
import json
import sys
from pathlib import Path

BEGIN = "<!-- perf:begin -->"
END = "<!-- perf:end -->"

# what each benchmark measures, in the order of the table
WHAT = {
    "control": "control path: eye edge -> zone motor output (`bench.jar control`)",
    "delivery": "durable events, QoS 1 (`bench/run-delivery.sh`)",
    "commands": "one command, `cmd/node/ping`, sequential (`bench.jar commands`)",
    "idle": "idle daemon, demo line, nothing moving (`bench.jar idle`)",
    "startup": "start-up: exec -> first `ping` reply (`bench.jar startup`)",
    "saturation": "sorter throughput at saturation (`bench/run-saturation.sh`)",
}


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if k == "bench":
            continue
        key = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif not isinstance(v, list):
            out[key] = v
    return out


def fmt(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 10 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


# issue 12's goals, beside each figure
GOAL = {
    "control": "p99.9 <= 1 ms, max <= 2 ms over 10 min",
    "delivery": "keep ~55,800 events/s, 17 us CPU per event",
    "commands": "<= 250 us CPU per command, RTT p99 <= 1.5 ms",
    "idle": "RSS <= 64 MiB, CPU <= 0.3 % of a core",
    "startup": "<= 0.5 s",
    "saturation": ">= 95 % of the physical limit, 0 mis-sorts, 0 collisions",
}


def ms(us):
    return f"{us / 1000:,.2f} ms" if us >= 1000 else f"{us:,.0f} us"


def top(d, n):
    """The n largest entries of a {thread: figure} map, as 'name figure'."""
    items = sorted(((k, v) for k, v in (d or {}).items() if isinstance(v, (int, float))), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {fmt(v)}" for k, v in items[:n])


def summary(name, result):
    """The figures worth a table cell: a curated line where the keys are known, else every scalar."""
    if result is None:
        return ""
    r = result
    if name == "control" and "p999Us" in r:
        worst = (r.get("worst10") or [{}])[0]
        return (f"**p50 {ms(r['p50Us'])}, p99 {ms(r['p99Us'])}, p99.9 {ms(r['p999Us'])}, max {ms(r['maxUs'])}** "
                f"({r.get('zones')} zones, {r.get('bagsPerS')} bags/s, {r.get('seconds')} s, {fmt(r.get('samples', 0))} samples); "
                f"worst: {worst.get('cause', '-')}; GC {r.get('gcCount')}x, longest {r.get('gcMaxPauseMs')} ms; "
                f"e-stop edge -> motion off p50 {ms(r['estop']['p50Us'])}, max {ms(r['estop']['maxUs'])}; "
                f"control thread {r.get('controlCpuPct')} % of a core, {fmt(r.get('allocBytesPerBag', 0))} B allocated per bag; "
                f"whole bench process RSS {r.get('rssMiB')} MiB, CPU {r.get('cpuPct')} %")
    if name == "delivery" and "eventsPerS" in r:
        return (f"**{fmt(r['eventsPerS'])} events/s**, missing {r.get('missing')}, {r.get('cpuUsPerEvent')} us CPU per event "
                f"(daemon side); latency at {fmt(r.get('latencyRate', 0))}/s p50 {ms(r['p50Us'])}, p99 {ms(r['p99Us'])}, "
                f"p99.9 {ms(r['p999Us'])}; replay {fmt(r.get('replayEventsPerS', 0))} events/s")
    if name == "commands" and "cpuUsPerCommand" in r:
        return (f"**{r['cpuUsPerCommand']:,.0f} us CPU per command**, RTT p50 {r['rttMsP50']:.2f} ms, p99 {r['rttMsP99']:.2f} ms "
                f"({fmt(r.get('count', 0))} pings); by thread (us): {top(r.get('cpuUsPerCommandByThread'), 6)}")
    if name == "idle" and "cpuPctOfCore" in r:
        return (f"**CPU {r['cpuPctOfCore']} % of a core, RSS {r['rssMiB']:.0f} MiB** (anon {r.get('rssAnonMiB', 0):.0f}, "
                f"file {r.get('rssFileMiB', 0):.0f}), {r.get('threads')} threads, {r.get('seconds')} s; "
                f"CPU ms by thread: {top(r.get('cpuMsByThread'), 6)}")
    if name == "startup" and "withArchive" in r:
        a, n = r["withArchive"], r["withoutArchive"]
        cache = "the AOT cache" if r.get("cache") == "aot" else "the class-data archive"
        return (f"**first ping {a['firstPingMsMedian'] / 1000:.2f} s with {cache}, "
                f"{n['firstPingMsMedian'] / 1000:.2f} s without** (READY {a['readyMsMedian'] / 1000:.2f} s / "
                f"{n['readyMsMedian'] / 1000:.2f} s; medians of {r.get('runs')} runs; daemon and device-sim on the demo line)")
    if name == "saturation" and "throughput" in result:
        t = result["throughput"]
        zone = ""
        if t.get("zoneLimitPerHour"):
            zone = (f"{t['deliveredPerHour'] / t['zoneLimitPerHour'] * 100:.0f} % of the {t['zoneLimitPerHour']:,.0f} bags/h "
                    f"one bag per zone allows (gap {t['zoneGapM']} m); ")
        return (f"**{t['deliveredPerHour']:,.0f} bags/h delivered = {t['ratio'] * 100:.1f} % of the physical limit** "
                f"{t['limitPerHour']:,.0f} bags/h ({t['speedMps']} m/s, mean bag {t['meanLengthM']:.3f} m, "
                f"gap {t['minGapM']} m; {t['windowS']:.0f} s window, {t['hung']} bags); "
                f"{t['sortedPerHour']:,.0f} bags/h into any lane; {zone}"
                f"mis-sorts {result.get('misSorted')}, collisions {result.get('collisions')}")
    flat = flatten(result)
    return ", ".join(f"{k} {fmt(v)}" for k, v in list(flat.items())[:12])


def collect(work, out_base):
    work = Path(work)
    meta = json.loads((work / "meta.json").read_text())
    runs = []
    for name in meta["benches"]:
        status_file = work / f"{name}.status"
        if not status_file.exists():
            runs.append({"bench": name, "status": "not run", "why": "skipped"})
            continue
        st = json.loads(status_file.read_text())
        result = None
        log = work / f"{name}.log"
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("RESULT "):
                    try:
                        result = json.loads(line[len("RESULT "):])
                    except json.JSONDecodeError as e:
                        st["why"] = f"unreadable RESULT line: {e}"
        run = {"bench": name, "status": st["status"], "exit": st.get("exit"), "seconds": st.get("seconds"),
               "args": st.get("args")}
        if st.get("why"):
            run["why"] = st["why"]
        if result is not None:
            run["result"] = result
        elif run["status"] == "ok":
            run["status"] = "no result"
            run["why"] = "finished without a RESULT line"
        runs.append(run)
    doc = {"date": meta["date"], "mode": meta["mode"], "machine": meta["machine"], "load": meta["load"], "runs": runs}
    Path(out_base + ".json").write_text(json.dumps(doc, indent=2) + "\n")
    Path(out_base + ".md").write_text(table(doc) + "\n")


def table(doc):
    m = doc["machine"]
    lines = [
        f"Measured {doc['date']} by `bench/run-all.sh {doc['mode']}` on {m['cpu']} ({m['nproc']} cores), "
        f"{m['ramGiB']} GiB RAM, kernel {m['kernel']}, {m['jdk']}, {m['mosquitto']}; "
        f"load average before {doc['load']['before']}, after {doc['load']['after']}.",
        "",
        "| what | status | figures | goal (issue 12) |",
        "|---|---|---|---|",
    ]
    for r in doc["runs"]:
        status = r["status"] + (f" ({r['why']})" if r.get("why") and r["status"] != "ok" else "")
        if r.get("seconds") is not None and r["status"] == "ok":
            status += f", {r['seconds']} s"
        cell = summary(r["bench"], r.get("result")).replace("|", "/")
        lines.append(f"| {WHAT.get(r['bench'], r['bench'])} | {status} | {cell} | {GOAL.get(r['bench'], '')} |")
    return "\n".join(lines)


def readme(results, readme_path):
    doc = json.loads(Path(results).read_text())
    p = Path(readme_path)
    text = p.read_text()
    if BEGIN not in text or END not in text or text.index(BEGIN) > text.index(END):
        sys.exit(f"{readme_path}: no {BEGIN} ... {END} section to regenerate")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    body = (f"{BEGIN}\n<!-- generated by bench/run-all.sh from bench/results/{Path(results).name}; "
            f"edit the script, not this table -->\n{table(doc)}\n{END}")
    p.write_text(head + body + tail)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "collect":
        collect(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "readme":
        readme(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
