#!/usr/bin/env python3
"""Print one table of every criterion result under target/criterion: per operation,
refundkit's median time, the floor and the anchors measured in the same run, and the ratios
(other / refundkit: above 1 means refundkit is faster)."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
groups = {}
for est in sorted(root.glob("**/new/estimates.json")):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    group = bench["group_id"]
    function = bench.get("function_id") or ""
    value = bench.get("value_str") or ""
    op = f"{group}/{value}" if value else group
    median_ns = json.loads(est.read_text())["median"]["point_estimate"]
    groups.setdefault(op, {})[function] = median_ns


counts_path = root / "instructions.json"
counts = json.loads(counts_path.read_text()) if counts_path.exists() else {}


def fmt_count(n):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}"


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


print(
    f"{'operation':<34} {'refundkit':>11} {'instr':>7}  "
    "others: time (other/refundkit), instructions (other/refundkit)"
)
for op in sorted(groups):
    row = groups[op]
    ours = row.get("refundkit")
    others = [(k, v) for k, v in sorted(row.items()) if k != "refundkit"]
    ours_n = counts.get(f"{op}|refundkit")
    if ours is None:
        print(f"{op:<34} {'-':>11} {'-':>7}  " + ", ".join(f"{k} {fmt(v)}" for k, v in others))
        continue
    parts = []
    for k, v in others:
        n = counts.get(f"{op}|{k}")
        part = f"{k} {fmt(v)} ({v / ours:.2f}x)"
        if n is not None and ours_n:
            part += f", {fmt_count(n)} ({n / ours_n:.2f}x)"
        parts.append(part)
    instr = fmt_count(ours_n) if ours_n else "-"
    print(f"{op:<34} {fmt(ours):>11} {instr:>7}  " + ", ".join(parts))

# benches/benches/serve_load.rs: requests per second (higher is better), beside a bare hyper
# server measured in the same run.
load_path = root / "load.json"
if load_path.exists():
    print()
    print(f"{'load (requests/s)':<34} {'refundkit':>11}  others: req/s (refundkit/other)")
    for op, row in sorted(json.loads(load_path.read_text()).items()):
        ours = row.get("refundkit")
        others = ", ".join(
            f"{k} {v:,.0f} ({ours / v:.2f}x)" for k, v in sorted(row.items()) if k != "refundkit"
        )
        print(f"{op:<34} {ours:>11,.0f}  {others}")

# benches/benches/journal.rs: refunds per second from submission to done, through the journal
# on each backend, beside the emulator alone (the floor) measured in the same run.
journal_path = root / "journal.json"
if journal_path.exists():
    rows = json.loads(journal_path.read_text())
    floor = rows.get("floor", {})
    commits = rows.pop("commits", {})
    print()
    print(
        f"{'journal (refunds/s)':<34} {'refunds/s':>11}  floor/row, the journal's own cost per "
        "request (in bare commits), workers against one"
    )
    for backend, seconds in commits.items():
        print(f"{'journal/commit-' + backend:<34} {1 / seconds:>11,.0f}  commits/s, {seconds * 1e6:,.0f} µs each")
    for name, row in rows.items():
        rate = row["refunds_per_second"]
        if name == "floor":
            print(f"{'journal/floor (the emulator alone)':<34} {rate:>11,.0f}")
            continue
        own = (row["seconds"] - floor.get("seconds", 0)) * 1e6 / row["requests"]
        ratio = floor.get("refunds_per_second", 0) / rate
        backend = name.split("-")[0]
        in_commits = ""
        if backend in commits:
            in_commits = f" ({own / (commits[backend] * 1e6):.2f} commits)"
        # A full journal against the empty one with one worker of the same kind (blocking).
        base = f"{backend}-x1-blocking" if name.endswith("-1m") else f"{backend}-x1"
        one = rows.get(base, {}).get("refunds_per_second")
        scale = f", {rate / one:.2f}x of {base.split('-', 1)[1]}" if one and not name.endswith("-x1") and "blocking" not in name else ""
        print(f"{'journal/' + name:<34} {rate:>11,.0f}  {ratio:,.0f}x, {own:,.0f} µs{in_commits}{scale}")
