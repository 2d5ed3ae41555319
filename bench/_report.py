"""Result tables shared by every benchmark: rows of implementations, metric columns, ratios.

A benchmark module returns :class:`Table` objects; ``python -m bench`` prints them with
:func:`render` and stores :func:`table_json` in ``bench/results/latest.json``. A row that could not
be measured (peer not installed, no offline driver, unsupported protocol) still appears, with its
reason in ``note``, so a table always says what was compared and what was not.

The ratio column divides each row's ``ratio_metric`` by the baseline row's (krakenkit): above 1
means the peer costs more than krakenkit.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Column", "Row", "Table", "percentile", "render", "summarize_ns", "table_json"]


@dataclass(frozen=True)
class Column:
    """A metric column: the key in ``Row.metrics``, its header, and its number format."""

    key: str
    header: str
    fmt: str = "{:.2f}"


@dataclass
class Row:
    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass
class Table:
    title: str
    columns: Sequence[Column]
    rows: list[Row] = field(default_factory=list)
    baseline: str = "krakenkit"
    ratio_metric: str = "median_us"
    footnote: str = ""

    def ratio(self, row: Row) -> float | None:
        base = next((r for r in self.rows if r.name == self.baseline), None)
        if base is None or row is base:
            return 1.0 if row is base else None
        mine = row.metrics.get(self.ratio_metric)
        theirs = base.metrics.get(self.ratio_metric)
        if mine is None or not theirs:
            return None
        return mine / theirs


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, nearest-rank."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return float(sorted_values[index])


def summarize_ns(samples_ns: Sequence[int], overhead_ns: float = 0.0) -> dict[str, float]:
    """``messages``, ``median_us``, ``p99_us``, ``mean_us`` of per-message times in nanoseconds,
    after subtracting the measured timer overhead."""
    ordered = sorted(samples_ns)
    if not ordered:
        return {"messages": 0}
    return {
        "messages": float(len(ordered)),
        "median_us": max(0.0, percentile(ordered, 0.5) - overhead_ns) / 1000,
        "p99_us": max(0.0, percentile(ordered, 0.99) - overhead_ns) / 1000,
        "mean_us": max(0.0, statistics.fmean(ordered) - overhead_ns) / 1000,
    }


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def render(table: Table) -> str:
    """The table as fixed-width text, with an ``x krakenkit`` ratio column and notes."""
    headers = ["implementation", *(c.header for c in table.columns), f"x {table.baseline}"]
    body = []
    for row in table.rows:
        ratio = table.ratio(row)
        cells = [row.name, *(_cell(row.metrics.get(c.key), c.fmt) for c in table.columns)]
        cells.append("-" if ratio is None else f"{ratio:.1f}x")
        body.append(cells)
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    out = [table.title, line(headers), "  ".join("-" * w for w in widths)]
    for row, cells in zip(table.rows, body, strict=True):
        out.append(line(cells) + (f"  {row.note}" if row.note else ""))
    if table.footnote:
        out.append(table.footnote)
    return "\n".join(out)


def table_json(table: Table) -> dict[str, Any]:
    return {
        "title": table.title,
        "baseline": table.baseline,
        "ratio_metric": table.ratio_metric,
        "footnote": table.footnote,
        "rows": [
            {"name": r.name, **r.metrics, "ratio": table.ratio(r), "note": r.note}
            for r in table.rows
        ],
    }
