"""Turning raw times into results: medians, spreads, ratios against targets, and the Markdown table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.measure import paired_ratio, spread

PEAK_TARGET_MB = 200.0


def measurement(
    name: str,
    description: str,
    qap: Sequence[float],
    floor: Sequence[float],
    *,
    floor_name: str,
    target: float | None,
    peak_mb: float,
    floor_peak_mb: float,
    paired: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """One row of results: qap's median and spread, the floor's, their ratio, and whether the target holds.

    With `paired`, qap and floor ran alternately, so the ratio is the median of pair-by-pair ratios.
    """
    mine, base = spread(qap), spread(floor)
    if paired and len(qap) == len(floor):
        ratio = paired_ratio(qap, floor)
        ratio_median, ratio_spread = ratio.median, [ratio.q1, ratio.q3]
    else:
        ratio_median = mine.median / base.median
        ratio_spread = [mine.q1 / base.q3, mine.q3 / base.q1]
    status = "info" if target is None else ("met" if ratio_median <= target else "not met")
    return {
        "name": name,
        "description": description,
        "unit": "s",
        "median": mine.median,
        "spread": [mine.q1, mine.q3],
        "samples": list(qap),
        "floor": {
            "name": floor_name,
            "median": base.median,
            "spread": [base.q1, base.q3],
            "samples": list(floor),
            "peak_mb": floor_peak_mb,
        },
        "ratio": ratio_median,
        "ratio_spread": ratio_spread,
        "target": target,
        "status": status,
        "peak_mb": peak_mb,
        "peak_status": "met" if peak_mb < PEAK_TARGET_MB else "not met",
        **extra,
    }


def _seconds(value: float) -> str:
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def table(results: Sequence[dict[str, Any]]) -> str:
    """The results as a Markdown table: measurement, qap, floor, ratio, target, status, peak memory."""
    lines = [
        "| measurement | qap median (IQR) | floor median | ratio (IQR) | target | status | peak MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results:
        low, high = row["spread"]
        r_low, r_high = row["ratio_spread"]
        target = "—" if row["target"] is None else f"≤ {row['target']:g}x"
        lines.append(
            f"| {row['name']} | {_seconds(row['median'])} ({_seconds(low)}–{_seconds(high)}) "
            f"| {_seconds(row['floor']['median'])} ({row['floor']['name']}) "
            f"| {row['ratio']:.1f}x ({r_low:.1f}–{r_high:.1f}) | {target} | {row['status']} "
            f"| {row['peak_mb']:.0f} (floor {row['floor']['peak_mb']:.0f}) |"
        )
    return "\n".join(lines)
