#!/usr/bin/env python3
"""Instruction counts of every benched closure, under callgrind: repeatable whatever else the
machine does, where wall-clock ratios on a shared 2-core machine are not.

For each bench binary: one run in count mode with no iterations (its setup alone), then one run
per closure with N iterations; the difference divided by N is the closure's own cost. N is
chosen from criterion's median (target/criterion, so run the criterion benches first) to give
about 20 ms of native work. Writes target/criterion/instructions.json: {"op|function": count}.

Usage: python3 benches/instructions.py [substring ...]   (only the ids containing one)
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"


def binaries():
    out = subprocess.run(
        ["cargo", "bench", "-p", "refundkit-benches", "--no-run", "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and "bench" in msg["target"]["kind"]:
            found[msg["target"]["name"]] = msg["executable"]
    return found


def medians():
    """Criterion's median per id (`op|function`), in ns."""
    out = {}
    for est in CRITERION.glob("**/new/estimates.json"):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        op = bench["group_id"] + (f"/{bench['value_str']}" if bench.get("value_str") else "")
        function = bench.get("function_id") or ""
        out[f"{op}|{function}"] = json.loads(est.read_text())["median"]["point_estimate"]
    return out


def instructions(exe, env):
    with tempfile.TemporaryDirectory() as d:
        out = pathlib.Path(d) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", exe, "--bench"],
            env={**os.environ, **env}, capture_output=True, check=True,
        )
        text = out.read_text(errors="replace")
    m = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text, re.M)
    return int(m.group(1))


def main():
    wanted = sys.argv[1:]
    times = medians()
    counts = {}
    for name, exe in sorted(binaries().items()):
        ids = subprocess.run(
            [exe, "--bench"], env={**os.environ, "REFUNDKIT_COUNT": "list"},
            capture_output=True, text=True, check=True,
        ).stdout.split()
        ids = [i for i in ids if not wanted or any(w in i for w in wanted)]
        if not ids:
            continue
        base = instructions(exe, {"REFUNDKIT_COUNT": "none", "REFUNDKIT_COUNT_ITERS": "0"})
        for i in ids:
            n = max(5, min(2000, int(20e6 / max(times.get(i, 1e4), 1.0))))
            total = instructions(exe, {"REFUNDKIT_COUNT": i, "REFUNDKIT_COUNT_ITERS": str(n)})
            counts[i] = (total - base) / n
            print(f"{i:<55} {counts[i]:>14,.0f} instructions  (x{n})", file=sys.stderr)
    CRITERION.mkdir(parents=True, exist_ok=True)
    path = CRITERION / "instructions.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update(counts)
    path.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
