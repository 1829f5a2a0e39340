#!/usr/bin/env python3
"""Merges the records the benchmark programs wrote and prints the table.

    python3 bench/report.py [--json OUT] [--machine] RECORDS.json...

Each input is a JSON array of {"case", "impl", "metric", "value", "unit"} records
(value null, with a "note", for a case that could not run). The table has one row per
case and implementation, and a row more for each other way the case was measured
(processes pinned to two CPUs, left unpinned); beside each metric, its ratio to the
floor's and to gRPC's value of the same metric. Then the targets, each with its
measured ratio. --json writes every record as one array; --machine prints the machine
first. Python 3 standard library only.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys

CASE_ORDER = [
    "unary_16B", "unary_4KiB", "inflight64_16B", "server_stream_16B", "bidi_16B",
    "big_1MiB", "big_64MiB", "spawn", "spawn_parent_1GiB", "scaling_callers_",
    "scaling_helpers_", "size_sweep_", "memory",
]
IMPL_ORDER = [
    "floor", "forkrpc_seqpacket", "forkrpc_dgram", "forkrpc_spawn", "forkrpc_spawn_exec",
    "forkrpc_forkserver", "grpc", "capnp", "memcpy",
]
FORKRPC_IMPLS = ["forkrpc_seqpacket", "forkrpc_dgram"]
# Metric name endings that mark another way of measuring the same case: where the
# processes ran, and (outermost first) which hand-written path a big message took.
PLACEMENTS = [("_cross", "two CPUs"), ("_unpinned", "unpinned")]
PATHS = [("_stream", "stream path"), ("_chunks", "chunks path"), ("_memfd", "memfd path")]
SHORT_NAMES = {
    "p50_us": "p50", "p99_us": "p99", "calls_per_s": "", "msgs_per_s": "",
    "round_trips_per_s": "", "gb_per_s": "", "uss_kib": "USS",
    "parent_anon_growth_kib_per_100_channels": "parent anon +/100 channels",
    "helper_anon_growth_kib": "helper anon +", "parent_anon_growth_kib": "parent anon +",
    "helper_uss_growth_kib": "helper USS +", "parent_uss_growth_kib": "parent USS +",
}
UNIT_NAMES = {"us": "µs", "calls/s": "calls/s", "msgs/s": "msgs/s",
              "round trips/s": "rt/s", "GB/s": "GB/s", "KiB": "KiB"}
# Growth below this across the growth run counts as none: allocator noise, where a leak
# of one byte per call would show about 1 MiB over a million calls.
GROWTH_SLACK_KIB = 64


def load(paths):
    records = []
    for path in paths:
        with open(path) as f:
            records.extend(json.load(f))
    return records


def sort_key(case, impl):
    case_index = next((i for i, prefix in enumerate(CASE_ORDER) if case.startswith(prefix)),
                      len(CASE_ORDER))
    number = re.search(r"_(\d+)$", case)
    impl_index = IMPL_ORDER.index(impl) if impl in IMPL_ORDER else len(IMPL_ORDER)
    return (case_index, int(number.group(1)) if number else 0, case, impl_index, impl)


def lower_is_better(metric):
    return "_us" in metric or "kib" in metric


def split_variant(metric):
    """("p50_us", "two CPUs, stream path") for "p50_us_stream_cross"."""
    labels = []
    for group in (PLACEMENTS, PATHS):
        for suffix, label in group:
            if metric.endswith(suffix):
                metric = metric[: -len(suffix)]
                labels.append(label)
                break
    return metric, ", ".join(labels)


def variant_order(label):
    """Sort key of a row's variant label: the headline first, then two CPUs, then
    unpinned; within each, the fastest path before each path's own row. Records come in
    the order their rounds finished, which a full run shuffles."""
    parts = label.split(", ") if label else []
    placements = [name for _, name in PLACEMENTS]
    paths = [name for _, name in PATHS]
    placement = next((1 + placements.index(p) for p in parts if p in placements), 0)
    path = next((1 + paths.index(p) for p in parts if p in paths), 0)
    return placement, path


def fmt_number(value):
    if value is None:
        return "?"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.2f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.1f}k"
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_ratio(value, reference):
    if value is None or not reference:
        return ""
    return f"{value / reference:.2f}"


class Table:
    """Records indexed by case, impl and metric."""

    def __init__(self, records):
        self.records = records
        self.values = {}
        self.notes = {}
        for r in records:
            key = (r["case"], r["impl"], r["metric"])
            self.values[key] = r["value"]
            if r.get("note"):
                self.notes[(r["case"], r["impl"])] = r["note"]
        self.units = {r["metric"]: r["unit"] for r in records}

    def get(self, case, impl, metric):
        return self.values.get((case, impl, metric))

    def pairs(self):
        seen = {(r["case"], r["impl"]) for r in self.records}
        return sorted(seen, key=lambda pair: sort_key(*pair))

    def metrics(self, case, impl):
        return [r["metric"] for r in self.records if r["case"] == case and r["impl"] == impl]


def row_cells(table, case, impl, metrics):
    values, floor_ratios, grpc_ratios = [], [], []
    for metric in metrics:
        value = table.get(case, impl, metric)
        base, _ = split_variant(metric)
        name = SHORT_NAMES.get(base, base)
        unit = UNIT_NAMES.get(table.units.get(metric, ""), table.units.get(metric, ""))
        values.append(" ".join(part for part in (name, fmt_number(value), unit) if part))
        if "growth" in metric:  # near zero by design: a ratio would say nothing
            continue
        if impl != "floor":
            floor_ratios.append(fmt_ratio(value, table.get(case, "floor", metric)))
        if impl != "grpc":
            grpc_ratios.append(fmt_ratio(value, table.get(case, "grpc", metric)))
    join = lambda cells: " · ".join(c or "–" for c in cells) if any(cells) else ""
    return ", ".join(values), join(floor_ratios), join(grpc_ratios)


def print_table(table, out):
    out.write("| case | impl | measured | ÷ floor | ÷ gRPC |\n|---|---|---|---|---|\n")
    for case, impl in table.pairs():
        note = table.notes.get((case, impl))
        by_variant = {}
        for metric in table.metrics(case, impl):
            by_variant.setdefault(split_variant(metric)[1], []).append(metric)
        if note and all(table.get(case, impl, m) is None for m in table.metrics(case, impl)):
            short = note.split(":")[0] if note.startswith("n/a") else "error: " + note
            out.write(f"| {case} | {impl} | {short} | | |\n")
            continue
        for variant, metrics in sorted(by_variant.items(), key=lambda v: variant_order(v[0])):
            label = f"{case} ({variant})" if variant else case
            measured, floor_ratio, grpc_ratio = row_cells(table, case, impl, metrics)
            out.write(f"| {label} | {impl} | {measured} | {floor_ratio} | {grpc_ratio} |\n")


class Targets:
    """The targets of issue 4, each checked against the table."""

    def __init__(self, table):
        self.table = table
        self.lines = []

    def ratio(self, case, impl, metric, reference_impl="floor"):
        value = self.table.get(case, impl, metric)
        reference = self.table.get(case, reference_impl, metric)
        if value is None or not reference:
            return None
        return value / reference

    def check(self, name, measured, target, passed, extra=""):
        if measured is None:
            verdict, shown = "n/a", "not measured"
        else:
            verdict, shown = ("met" if passed(measured) else "MISSED"), f"{measured:.2f}"
        self.lines.append(f"| {name} | {target} | {shown} | {verdict} | {extra} |")

    def ratio_target(self, name, case, metric, target, bound, at_most, reference="floor",
                     extra=lambda impl: ""):
        """One line per forkrpc implementation: its ratio for the headline metric, with
        the ratios measured on two CPUs and unpinned beside it."""
        for impl in FORKRPC_IMPLS:
            measured = self.ratio(case, impl, metric, reference)
            passed = (lambda r: r <= bound) if at_most else (lambda r: r >= bound)
            beside = [f"{label}: {fmt_ratio(self.table.get(case, impl, metric + suffix), self.table.get(case, reference, metric + suffix))}"
                      for suffix, label in PLACEMENTS
                      if self.table.get(case, impl, metric + suffix) is not None]
            beside += [extra(impl)] if extra(impl) else []
            self.check(f"{name} ({impl})", measured, target, passed, "; ".join(beside))

    def run(self):
        t = self.table
        self.ratio_target("unary 16 B p50 ÷ floor", "unary_16B", "p50_us", "≤ 1.25", 1.25, True)
        self.ratio_target("unary 16 B p99 ÷ floor", "unary_16B", "p99_us", "≤ 1.5", 1.5, True)
        self.ratio_target("64 in flight calls/s ÷ floor", "inflight64_16B", "calls_per_s", "≥ 0.8",
                          0.8, False)
        self.ratio_target("server streaming msgs/s ÷ floor", "server_stream_16B", "msgs_per_s",
                          "≥ 0.7", 0.7, False)
        memcpy = lambda impl: "÷ warm memcpy: " + (fmt_ratio(
            t.get("big_64MiB", impl, "gb_per_s"), t.get("big_64MiB", "memcpy", "gb_per_s")) or "n/a")
        self.ratio_target("64 MiB round trip GB/s ÷ floor", "big_64MiB", "gb_per_s", "≥ 0.8", 0.8,
                          False, extra=memcpy)
        self.ratio_target("unary 16 B calls/s ÷ gRPC", "unary_16B", "calls_per_s", "≥ 5", 5, False,
                          reference="grpc")
        spawn_ratio = lambda case, metric: fmt_ratio(t.get(case, "forkrpc_spawn", metric),
                                                     t.get(case, "floor", metric)) or "n/a"
        self.check("spawn to first reply p50 ÷ bare fork", self.ratio("spawn", "forkrpc_spawn", "p50_us"),
                   "≤ 2", lambda r: r <= 2,
                   f"unpinned: {spawn_ratio('spawn', 'p50_us_unpinned')}; parent holding 1 GiB: "
                   f"{spawn_ratio('spawn_parent_1GiB', 'p50_us')}")
        floor_uss = t.get("memory", "floor", "uss_kib")
        for impl in FORKRPC_IMPLS:
            uss = t.get("memory", impl, "uss_kib")
            above = None if uss is None or floor_uss is None else (uss - floor_uss) / 1024
            self.check(f"idle helper USS above floor child, MiB ({impl})", above, "≤ 2",
                       lambda v: v <= 2)
            for side in ("helper", "parent"):
                uss = t.get("memory", impl, f"{side}_uss_growth_kib")
                self.check(f"{side} growth over the growth run, anonymous KiB ({impl})",
                           t.get("memory", impl, f"{side}_anon_growth_kib"),
                           f"none (≤ {GROWTH_SLACK_KIB})", lambda v: v <= GROWTH_SLACK_KIB,
                           f"USS: {fmt_number(uss)} KiB" if uss is not None else "")
        self.faster_than_grpc()

    def faster_than_grpc(self):
        t = self.table
        compared, slower = 0, []
        for case, impl, metric in list(t.values):
            if impl not in FORKRPC_IMPLS:
                continue
            ours, theirs = t.get(case, impl, metric), t.get(case, "grpc", metric)
            if ours is None or theirs is None:
                continue
            compared += 1
            worse = ours > theirs if lower_is_better(metric) else ours < theirs
            if worse:
                slower.append(f"{case}/{impl}/{metric}")
        measured = None if compared == 0 else float(compared - len(slower))
        self.check("faster than gRPC: metrics where forkrpc wins", measured, f"all {compared}",
                   lambda v: v == compared, ", ".join(slower[:6]) + (" …" if len(slower) > 6 else ""))

    def write(self, out):
        out.write("| target | wanted | measured | verdict | beside it |\n|---|---|---|---|---|\n")
        for line in self.lines:
            out.write(line + "\n")


def machine_lines():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    def detect(flag):
        try:
            found = subprocess.run(["systemd-detect-virt", flag], capture_output=True,
                                   text=True).stdout.strip()
        except OSError:
            return "?"
        return found or "none"

    virt = f"virtual machine: {detect('--vm')}, container: {detect('--container')}"
    return [f"CPUs: {os.cpu_count()} × {model}", f"kernel: {platform.release()}",
            virt, f"source: {source_revision()}"]


def source_revision():
    """The commit the tree was at, and which of runtime/ and bench/ had changes on top."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        changed = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "runtime",
                                  "bench", "codegen"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    dirty = sorted({line[3:].split("/")[0] for line in changed.splitlines()})
    changes = ", ".join(f"{d}/" for d in dirty)
    return f"commit {commit or '?'}" + (f", with uncommitted changes in {changes}" if dirty else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write every record to this file as one JSON array")
    parser.add_argument("--machine", action="store_true", help="describe the machine first")
    parser.add_argument("--load", help="the load average before the run, to print with the machine")
    parser.add_argument("records", nargs="+")
    args = parser.parse_args()
    records = load(args.records)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
            f.write("\n")
    out = sys.stdout
    if args.machine:
        lines = machine_lines()
        if args.load:
            lines.append(f"load average before the run (other work on the machine): {args.load}")
        for line in lines:
            out.write(f"- {line}\n")
        out.write("\n")
    table = Table(records)
    if not any(r["impl"] == "grpc" for r in records):
        out.write("note: no gRPC records (built without gRPC); the ÷ gRPC column is empty\n\n")
    print_table(table, out)
    out.write("\nRatios are this implementation's value over the floor's (or gRPC's) for the same "
              "metric: below 1 is better for times and memory, above 1 for rates.\n\n")
    targets = Targets(table)
    targets.run()
    targets.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
