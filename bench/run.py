"""Measure qap's stages against their floors: `python bench/run.py [--tiny] [--out DIR] [--only GROUPS]`.

Builds its own synthetic inputs (a 40-agency workspace, returns of every style, a 5,000-row
tracker), runs every measurement several times in fresh processes, prints a table and writes
results.json and results.md into the output folder (bench/results/ by default).
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import inputs, scenarios  # noqa: E402
from bench.measure import spread  # noqa: E402
from bench.summary import measurement, table  # noqa: E402

GROUPS = ("startup", "ingest", "report", "tracker", "burst", "watch")
WATCH_QUIET = 1.0
INGEST_VARIANTS = (
    ("qap", "ingest", "process_file: claim, read, identify, normalise, ledger, receipt, archive"),
    ("read", "read", "read_return + identify_return + normalise_return"),
    ("library", "calibration", "python-docx Document() or openpyxl load_workbook() alone"),
)
EXTRA_FLOORS = ("floor-all", "floor-kept")
KEPT = "zip + lxml + fsync'd copy + SQLite commit"
TARGETS = {"ingest": 3.0, "report": 2.0, "tracker": 3.0, "burst": 1.3, "startup": 4.0}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(work: Path, sizes: inputs.Sizes, groups: set[str]) -> dict[str, Any]:
    """Write every input the chosen measurements need under `work`; returns the manifest."""
    manifest: dict[str, Any] = {
        "repeats": sizes.repeats,
        "scratch": str(work),
        "tiny": sizes.agencies < inputs.FULL.agencies,
        "agencies": sizes.agencies,
    }
    started = time.perf_counter()
    base = inputs.make_workspace(work / "base", sizes.agencies)
    manifest["workspace"] = str(base.root)
    if "ingest" in groups:
        samples = inputs.style_samples(base, work / "samples")
        manifest["samples"] = {style: str(path) for style, path in samples.items()}
    if "burst" in groups:
        files = inputs.burst_files(base, sizes.burst, work / "burst")
        manifest["burst_files"] = [str(p) for p in files]
        step = max(1, sizes.burst // sizes.burst_small)
        manifest["burst_small"] = [str(p) for p in files[::step][: sizes.burst_small]]
    if groups & {"report", "watch"}:
        from pipeline.intake import run_inbox

        report = inputs.make_workspace(work / "report", sizes.agencies)
        inputs.record_synthetic(report, inputs.REPORT_AUDIT)
        # A first draft and tracker, so later runs start from a settled workspace.
        run_inbox(report, quiet=0.0)
        agencies = report.partnership().agency_keys()[: sizes.watch_repeats + sizes.repeats + 1]
        watch_files = [
            path
            for n, agency in enumerate(agencies)
            for path in inputs.filled_forms(
                report, inputs.REPORT_AUDIT, [agency], ["docx"], work / "watch", salt=n
            )
        ]
        manifest.update(
            report_workspace=str(report.root),
            report_audit=inputs.REPORT_AUDIT,
            watch_workspace=str(report.root),
            watch_files=[str(p) for p in watch_files],
        )
    if "tracker" in groups:
        from pipeline.tracker.service import apply_returns

        tracker = inputs.make_workspace(work / "tracker", sizes.agencies)
        before, after = inputs.tracker_returns(tracker, sizes)
        made = time.perf_counter()
        apply_returns(tracker, before, [], today=inputs.TRACKER_TODAY)
        _say(
            f"  tracker of {sizes.tracker_rows} rows written in {time.perf_counter() - made:.1f} s"
        )
        (work / "tracker-after.pickle").write_bytes(pickle.dumps(after))
        manifest.update(
            tracker_workspace=str(tracker.root), tracker_after=str(work / "tracker-after.pickle")
        )
    _say(f"inputs built in {time.perf_counter() - started:.1f} s")
    return manifest


def _timed(
    task: str, manifest: dict[str, Any], path: Path
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Times from one interleaved worker, and each variant's peak memory from its own fresh process.

    A tiny run takes every peak from the timing process instead (an upper bound), to stay quick.
    """
    from concurrent.futures import ThreadPoolExecutor

    timing = scenarios.worker(task, path, "time")
    # The extra floors are shown beside the main one; their memory is the main floor's.
    variants = [v for v in timing["times"] if v not in EXTRA_FLOORS]
    if manifest["tiny"]:
        return timing["times"], dict.fromkeys(variants, timing["peak_mb"])
    # Memory is not disturbed by a neighbour the way time is, so two run at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(lambda v: scenarios.worker(task, path, f"peak:{v}")["peak_mb"], variants)
        return timing["times"], dict(zip(variants, found, strict=True))


def measure_startup(sizes: inputs.Sizes) -> list[dict[str, Any]]:
    """`qap --help` beside bare Python."""
    done = scenarios.startup(sizes.startup_repeats)
    return [
        measurement(
            "startup",
            "`qap --help` beside `python -c pass`",
            done["times"]["qap"],
            done["times"]["floor"],
            floor_name="python -c pass",
            target=TARGETS["startup"],
            peak_mb=done["peaks"]["qap"],
            floor_peak_mb=done["peaks"]["floor"],
        )
    ]


def measure_ingest(manifest: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """Each style: the whole ingest of one file and its read alone, beside zip + lxml of the same file."""
    rows = []
    for style in manifest["samples"]:
        times, peaks = _timed(f"ingest:{style}", manifest, path)
        all_parts = spread(times["floor-all"]).median
        for variant, label, what in INGEST_VARIANTS:
            rows.append(
                measurement(
                    f"{label}.{style}",
                    f"{what} of one {style} return",
                    times[variant],
                    times["floor"],
                    floor_name="zip + lxml",
                    target=TARGETS["ingest"] if variant != "library" else None,
                    peak_mb=peaks[variant],
                    floor_peak_mb=peaks["floor"],
                    all_parts_floor=all_parts,
                    ratio_to_all_parts=spread(times[variant]).median / all_parts,
                )
            )
        rows.append(
            measurement(
                f"ingest-kept.{style}",
                f"the whole ingest of one {style} return beside the parse plus keeping it safe",
                times["qap"],
                times["floor-kept"],
                floor_name=KEPT,
                target=None,
                peak_mb=peaks["qap"],
                floor_peak_mb=peaks["floor"],
            )
        )
    return rows


def measure_report(manifest: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """The draft report of a 40-agency audit, charts cached and drawn afresh, beside bare docxtpl."""
    times, peaks = _timed("report", manifest, path)
    return [
        measurement(
            name,
            f"write_draft_report of a {manifest['agencies']}-agency audit, {how}",
            times[variant],
            times["floor"],
            floor_name="bare docxtpl",
            target=TARGETS["report"] if variant == "qap" else None,
            peak_mb=peaks[variant],
            floor_peak_mb=peaks["floor"],
        )
        for name, variant, how in (
            ("report", "qap", "charts unchanged since the last draft"),
            ("report.charts-redrawn", "cold", "every chart drawn again"),
        )
    ]


def measure_tracker(
    sizes: inputs.Sizes, manifest: dict[str, Any], path: Path
) -> list[dict[str, Any]]:
    """A tracker of `tracker_rows` rows updated with changed and new rows, beside re-zipping it."""
    times, peaks = _timed("tracker", manifest, path)
    return [
        measurement(
            "tracker",
            f"{sizes.tracker_rows}-row tracker, {sizes.tracker_changed} rows changed and "
            f"{sizes.tracker_new} new",
            times["qap"],
            times["floor"],
            floor_name="re-zip",
            target=TARGETS["tracker"],
            peak_mb=peaks["qap"],
            floor_peak_mb=peaks["floor"],
        )
    ]


def measure_burst(
    sizes: inputs.Sizes, manifest: dict[str, Any], path: Path, work: Path
) -> list[dict[str, Any]]:
    """`qap run` on a burst beside the sum of its parts; the small burst shows how time grows."""
    workspace = Path(manifest["workspace"])
    files = [Path(p) for p in manifest["burst_files"]]
    small = [Path(p) for p in manifest["burst_small"]]
    bursts, smalls, parts = [], [], []
    peak = parts_peak = 0.0
    for number in range(sizes.burst_repeats):
        done = scenarios.burst_run(workspace, small, work)
        smalls.append(done.seconds)
        done = scenarios.burst_run(workspace, files, work)
        bursts.append(done.seconds)
        peak = max(peak, done.peak_mb)
        _say(f"  burst {number + 1}: {len(files)} files in {done.seconds:.1f} s")
        # Burst and parts alternate, so a slow spell of the machine hits both alike.
        result = scenarios.worker("parts", path, "time")
        parts.append(result["total"])
        parts_peak = max(parts_peak, result["peak_mb"])
        _say(f"  parts {number + 1}: {result}")
    per_file = [b / len(files) for b in bursts]
    per_small = [s / len(small) for s in smalls]
    growth = (sorted(per_file)[len(per_file) // 2]) / (sorted(per_small)[len(per_small) // 2])
    return [
        measurement(
            "burst",
            f"`qap run` on {len(files)} returns over five audits, beside {len(files)} single "
            "ingests + one report per audit + one tracker write",
            bursts,
            parts,
            floor_name="sum of parts",
            target=TARGETS["burst"],
            peak_mb=peak,
            floor_peak_mb=parts_peak,
            files=len(files),
            growth={
                "small_files": len(small),
                "seconds_per_file_small": sorted(per_small)[len(per_small) // 2],
                "seconds_per_file": sorted(per_file)[len(per_file) // 2],
                "per_file_ratio": growth,
            },
        )
    ]


def measure_watch(
    sizes: inputs.Sizes, manifest: dict[str, Any], path: Path, work: Path
) -> list[dict[str, Any]]:
    """Latency of `qap watch` beside the quiet period plus the same work done in one direct run."""
    files = [Path(p) for p in manifest["watch_files"]][: sizes.watch_repeats]
    watched = scenarios.watch_latency(
        Path(manifest["watch_workspace"]), files, manifest["report_audit"], work, WATCH_QUIET
    )
    direct = scenarios.worker("watch-floor", path, "time")
    floor = [WATCH_QUIET + t for t in direct["times"]["qap"]]
    return [
        measurement(
            "watch",
            f"`qap watch` (quiet period {WATCH_QUIET:g} s): file complete to new report and tracker in place",
            list(watched.latencies),
            floor,
            floor_name="quiet period + one direct run",
            target=None,
            peak_mb=watched.peak_mb,
            floor_peak_mb=direct["peak_mb"],
            paired=False,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    """Build inputs, run the chosen measurements, print the table and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tiny", action="store_true", help="tiny inputs: only proves the script runs"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"some of {','.join(GROUPS)}")
    parser.add_argument("--keep", action="store_true", help="keep the inputs folder")
    args = parser.parse_args(argv)
    sizes = inputs.TINY if args.tiny else inputs.FULL
    groups = {g.strip() for g in args.only.split(",") if g.strip()}
    unknown = groups - set(GROUPS)
    if unknown:
        parser.error(f"unknown groups {sorted(unknown)}; choose from {','.join(GROUPS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qap-bench-"))
    started = time.perf_counter()
    try:
        manifest = build(work, sizes, groups)
        path = work / "manifest.json"
        path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        results: list[dict[str, Any]] = []
        steps = {
            "startup": lambda: measure_startup(sizes),
            "ingest": lambda: measure_ingest(manifest, path),
            "report": lambda: measure_report(manifest, path),
            "tracker": lambda: measure_tracker(sizes, manifest, path),
            "burst": lambda: measure_burst(sizes, manifest, path, work),
            "watch": lambda: measure_watch(sizes, manifest, path, work),
        }
        for group in GROUPS:
            if group in groups:
                begun = time.perf_counter()
                results += steps[group]()
                _say(f"{group} measured in {time.perf_counter() - begun:.1f} s")
    finally:
        if args.keep:
            _say(f"inputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    document = {
        "tiny": args.tiny,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "seconds": time.perf_counter() - started,
        "measurements": results,
    }
    (args.out / "results.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    (args.out / "results.md").write_text(table(results) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nWritten {args.out / 'results.json'} in {document['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
