"""Smoke test of the benchmark script: it runs on tiny inputs and writes every measurement.

Speed is never asserted here (that is what bench/run.py is for); only that each figure exists
and is a real, positive number, so the script cannot rot unnoticed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "startup",
    "report",
    "report.charts-redrawn",
    "tracker",
    "burst",
    "watch",
    *(
        f"{kind}.{style}"
        for kind in ("ingest", "read", "calibration", "ingest-kept")
        for style in ("qap-docx", "table-docx", "legacy-docx", "qap-xlsx", "table-xlsx")
    ),
}


def _real(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON written by one tiny run of the script."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--tiny", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| measurement |" in done.stdout
    assert (out / "results.md").read_text(encoding="utf-8").startswith("| measurement |")
    data: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.slow
def test_every_measurement_is_written(results: dict[str, Any]) -> None:
    names = [m["name"] for m in results["measurements"]]
    assert results["tiny"] is True
    assert sorted(names) == sorted(EXPECTED)


@pytest.mark.slow
def test_every_figure_is_a_positive_finite_number(results: dict[str, Any]) -> None:
    for row in results["measurements"]:
        name = row["name"]
        figures = [row["median"], *row["spread"], row["ratio"], *row["ratio_spread"]]
        figures += [row["peak_mb"], row["floor"]["median"], *row["floor"]["spread"]]
        figures += [row["floor"]["peak_mb"]]
        assert all(_real(f) for f in figures), (name, figures)
        low, high = row["spread"]
        assert low <= row["median"] <= high, name
        assert row["samples"] and all(_real(s) for s in row["samples"]), name


@pytest.mark.slow
def test_targets_and_status_agree(results: dict[str, Any]) -> None:
    for row in results["measurements"]:
        if row["target"] is None:
            assert row["status"] == "info", row["name"]
        else:
            expected = "met" if row["ratio"] <= row["target"] else "not met"
            assert row["status"] == expected, row["name"]
        assert row["peak_status"] == ("met" if row["peak_mb"] < 200 else "not met"), row["name"]


@pytest.mark.slow
def test_burst_reports_how_time_grows(results: dict[str, Any]) -> None:
    burst = next(m for m in results["measurements"] if m["name"] == "burst")
    growth = burst["growth"]
    assert burst["files"] > growth["small_files"] > 0
    assert _real(growth["per_file_ratio"]) and _real(growth["seconds_per_file"])


def test_spread_is_median_and_quartiles() -> None:
    from bench.measure import paired_ratio, spread

    assert spread([5.0, 1.0, 3.0]).as_dict() == {"median": 3.0, "q1": 1.0, "q3": 5.0, "n": 3}
    quartiles = spread([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (quartiles.q1, quartiles.median, quartiles.q3) == (2.0, 3.0, 4.0)
    assert paired_ratio([2.0, 6.0, 4.0], [1.0, 2.0, 1.0]).median == 3.0


def test_child_peak_memory_is_the_childs_own() -> None:
    """A small child reports little even though this test process is large; a big one reports its size."""
    from bench.measure import run_child

    ballast = b"x" * (150 * 1024 * 1024)  # resident: this process is far bigger than either child
    small = run_child([sys.executable, "-c", "pass"])
    big = run_child(
        [
            sys.executable,
            "-c",
            "x = bytearray(120 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])",
        ]
    )
    assert len(ballast) and small.returncode == 0 and big.returncode == 0
    assert small.peak_mb < 60
    assert big.peak_mb > 120


def test_answer_variants_vary_free_text_and_nothing_else(tmp_path: Path) -> None:
    # The bench's returns must not be the same answers over and over, or qap's memos of
    # repeated text would flatter the reading figures: each variant's free text is its own,
    # while its identity, options, dates and the issues qap finds stay those of the sample.
    from bench.inputs import TINY, answer_variant, free_texts, make_workspace, style_samples
    from pipeline.identify import identify_return
    from pipeline.normalise import normalise_return
    from pipeline.processing import load_context
    from pipeline.readers import read_return

    workspace = make_workspace(tmp_path / "ws", TINY.agencies)
    context = load_context(workspace)

    def read(path: Path) -> Any:
        raw = read_return(path)
        ident = identify_return(
            raw,
            context.partnership,
            context.catalogue,
            key=context.key,
            workspace_id=context.workspace_id,
        )
        return normalise_return(raw, context.catalogue.get(ident.audit_id), ident)

    for style, sample in style_samples(workspace, tmp_path / "samples").items():
        texts = free_texts(sample, workspace)
        one, two = (
            answer_variant(sample, tmp_path / f"{style}-{n}{sample.suffix}", n, texts)
            for n in (1, 2)
        )
        base, first, second = read(sample), read(one), read(two)
        assert (first.audit_id, first.agency_key) == (base.audit_id, base.agency_key), style
        assert len(first.issues) == len(base.issues), style
        assert [a.qid for a in first.answers] == [a.qid for a in base.answers], style
        values = [
            (a.value, b.value, c.value)
            for a, b, c in zip(base.answers, first.answers, second.answers, strict=True)
        ]
        varied = [v for v in values if len({*v}) == 3]
        assert varied, f"{style}: no free-text answer varied"
        assert all("(return 1)" in v[1] and "(return 2)" in v[2] for v in varied), style
        kept = [v for v in values if len({*v}) == 1]
        assert kept or style == "legacy-docx", f"{style}: every answer varied, options too"
