"""``python -m bench [name ...]``: run the registered benchmarks, print tables, save JSON.

Every benchmark module exposes ``run(quick: bool) -> list[Table]``. Results, with a description of
the machine (CPU model, cores, Python, date), go to ``bench/results/latest.json`` so numbers are
never quoted without the hardware they came from. ``BENCH_QUICK=1`` asks each benchmark for a
short run (smaller synthetic streams) -- for development, not for the README.

Before measuring, the CPU is kept busy for ``BENCH_WARMUP`` seconds (default 5): on the reference
VM the first seconds of a process after idle ran the same code ~60 % slower (5.5 vs 3.4 us per
book message), which would otherwise bias whichever benchmark happens to run first.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench._report import Table, render, table_json

#: name -> module; add a line here to register a new benchmark.
REGISTRY: dict[str, str] = {
    "book": "bench.book",
    "engine": "bench.engine",
    "server": "bench.server",
    "client": "bench.client",
    "ws_fanout": "bench.ws_fanout",
}

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def warm_up(seconds: float) -> None:
    """Busy-loop so the (virtual) CPU is at full speed when measuring starts."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sum(range(10_000))


def main(argv: list[str]) -> int:
    names = argv or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {sorted(REGISTRY)}", file=sys.stderr)
        return 2
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    info = machine()
    print(f"# {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['date']}")
    if quick:
        print("# BENCH_QUICK=1: short run, numbers are indicative only")
    results: dict[str, Any] = {"machine": info, "quick": quick, "benchmarks": {}}
    warm_up(float(os.environ.get("BENCH_WARMUP", "") or 5))
    for name in names:
        module = importlib.import_module(REGISTRY[name])
        started = time.perf_counter()
        tables: list[Table] = module.run(quick=quick)
        elapsed = time.perf_counter() - started
        print(f"\n## {name} ({elapsed:.0f} s)")
        for table in tables:
            print()
            print(render(table))
        results["benchmarks"][name] = {
            "machine": info,
            "quick": quick,
            "seconds": round(elapsed, 1),
            "tables": [table_json(t) for t in tables],
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if RESULTS.exists() and set(names) != set(REGISTRY):
        # A partial run keeps the other benchmarks' last results.
        try:
            previous = json.loads(RESULTS.read_text())
            for name, value in previous.get("benchmarks", {}).items():
                results["benchmarks"].setdefault(name, value)
        except (OSError, ValueError):
            pass
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nresults written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
