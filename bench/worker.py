"""One measurement in a process of its own: `python -m bench.worker TASK MANIFEST MODE`.

MODE "time" runs qap and its floor alternately (after a warm-up) and prints their times; MODE
"peak:VARIANT" runs one variant once in this fresh process and prints its peak memory. Each
prints a single JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import floors  # noqa: E402
from bench.measure import interleave, peak_mb_self  # noqa: E402

Run = Callable[[int], object]


@dataclass
class Task:
    """The variants of one measurement (qap's first, then "floor") and the untimed set-up of each round."""

    variants: dict[str, Run]
    setup: Callable[[int], object] | None = None


def _fresh_copy(source: Path, scratch: Path, number: int) -> Path:
    """A copy of a workspace, flushed to disk before it is timed.

    A real workspace's files reached the disk long before qap runs; a copy made just now has
    not, and the first fsync qap makes of a copied file (the tracker registry's first commit)
    would pay for writing out the whole copy.
    """
    target = scratch / f"ws-{number}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True)
    for path in target.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as copied:
                os.fsync(copied.fileno())
    return target


def ingest_task(manifest: dict[str, Any], style: str, scratch: Path) -> Task:
    """One return of a style: full `process_file`, the read alone, and the zip+lxml floor."""
    from bench.inputs import answer_variant, free_texts
    from pipeline.identify import identify_return
    from pipeline.intake import process_file
    from pipeline.normalise import normalise_return
    from pipeline.processing import load_context
    from pipeline.readers import read_return
    from pipeline.workspace import Workspace

    sample = Path(manifest["samples"][style])
    workspace = Workspace(_fresh_copy(Path(manifest["workspace"]), scratch, 0))
    ctx = load_context(workspace)
    files: dict[int, Path] = {}
    texts = free_texts(sample, workspace)

    def setup(number: int) -> None:
        # Each round a return whose free text is its own (a new hash too, so qap reads it again):
        # only what real returns repeat (options, dates, questions) can be served from memory.
        target = scratch / "in" / f"{number}{sample.suffix}"
        files[number] = answer_variant(sample, target, number, texts)

    def full(number: int) -> None:
        outcome = process_file(workspace, files[number])
        if outcome.outcome != "accepted":
            raise RuntimeError(f"{sample.name} was not accepted: {outcome.outcome}")

    def read(number: int) -> None:
        raw = read_return(files[number])
        ident = identify_return(
            raw, ctx.partnership, ctx.catalogue, key=ctx.key, workspace_id=ctx.workspace_id
        )
        normalise_return(raw, ctx.catalogue.get(ident.audit_id), ident)

    return Task(
        {
            "qap": full,
            "read": read,
            "library": lambda n: floors.library_open(files[n]),
            "floor": lambda n: floors.parse_package(files[n]),
            "floor-all": lambda n: floors.parse_all_parts(files[n]),
            "floor-kept": lambda n: floors.parse_and_keep(files[n], scratch / "kept"),
        },
        setup,
    )


def report_task(manifest: dict[str, Any], scratch: Path) -> Task:
    """The draft report of a 40-agency audit (charts cached, and drawn afresh) beside a bare docxtpl render."""
    import datetime as dt

    from pipeline.definitions import load_catalogue
    from pipeline.ledger import open_ledger
    from pipeline.report import write_draft_report
    from pipeline.report.context import build_context
    from pipeline.workspace import Workspace

    workspace = Workspace(_fresh_copy(Path(manifest["report_workspace"]), scratch, 0))
    audit_id = manifest["report_audit"]
    partnership = workspace.partnership()
    audit = load_catalogue(workspace.audits_dir, partnership).get(audit_id)
    with open_ledger(workspace) as ledger:
        returns = ledger.current_returns(audit_id)
    context = build_context(
        audit, returns, partnership, version=1, now=dt.datetime.now(dt.UTC), tracker_items=()
    )
    charts = floors.chart_files(context, scratch / "charts")
    cache = workspace.private / "chart-cache"

    def cold(number: int) -> None:
        shutil.rmtree(cache, ignore_errors=True)
        write_draft_report(workspace, audit_id)

    return Task(
        {
            "qap": lambda n: write_draft_report(workspace, audit_id),
            "cold": cold,
            "floor": lambda n: floors.bare_render(workspace.report_template, context, charts),
        }
    )


def tracker_task(manifest: dict[str, Any], scratch: Path) -> Task:
    """A big tracker brought up to date with changed and new rows, beside re-zipping it."""
    from bench.inputs import TRACKER_TODAY
    from pipeline.tracker.service import apply_returns
    from pipeline.workspace import Workspace

    source = Path(manifest["tracker_workspace"])
    after = pickle.loads(Path(manifest["tracker_after"]).read_bytes())
    tracker = Workspace(source).tracker_path()
    current: dict[str, Workspace] = {}

    def setup(number: int) -> None:
        current["ws"] = Workspace(_fresh_copy(source, scratch, number % 2))

    def update(number: int) -> None:
        result = apply_returns(current["ws"], after, [], today=TRACKER_TODAY)
        if not result.written:
            raise RuntimeError(f"tracker not written: {result.message}")

    return Task(
        {"qap": update, "floor": lambda n: floors.rezip(tracker, scratch / "rezipped.xlsx")},
        setup,
    )


def watch_floor_task(manifest: dict[str, Any], scratch: Path) -> Task:
    """The work the watcher does for one new return, done directly: one `run_inbox` with nothing to wait for."""
    from pipeline.intake import run_inbox
    from pipeline.workspace import Workspace

    workspace = Workspace(_fresh_copy(Path(manifest["watch_workspace"]), scratch, 0))
    files = [Path(p) for p in manifest["watch_files"]]

    def setup(number: int) -> None:
        shutil.copyfile(
            files[number % len(files)], workspace.inbox / files[number % len(files)].name
        )

    def run(number: int) -> None:
        summary = run_inbox(workspace, quiet=0.0)
        if not summary.tracker or not summary.reports:
            raise RuntimeError(f"run did not rebuild the outputs: {summary.describe()}")

    return Task({"qap": run}, setup)


def parts(manifest: dict[str, Any], scratch: Path) -> dict[str, Any]:
    """The burst's parts one by one on a copy of the same workspace: each file, each report, the tracker."""
    from bench.inputs import BURST_AUDITS
    from pipeline.intake import process_file
    from pipeline.report import write_draft_report
    from pipeline.tracker import update_tracker
    from pipeline.workspace import Workspace

    workspace = Workspace(_fresh_copy(Path(manifest["workspace"]), scratch, 0))
    ingest: list[float] = []
    for source in manifest["burst_files"]:
        path = workspace.inbox / Path(source).name
        shutil.copyfile(source, path)
        start = time.perf_counter()
        process_file(workspace, path)
        ingest.append(time.perf_counter() - start)
    start = time.perf_counter()
    for audit_id in BURST_AUDITS:
        write_draft_report(workspace, audit_id)
    reports = time.perf_counter() - start
    start = time.perf_counter()
    update_tracker(workspace)
    tracker = time.perf_counter() - start
    return {
        "ingest": sum(ingest),
        "reports": reports,
        "tracker": tracker,
        "total": sum(ingest) + reports + tracker,
    }


def make_task(name: str, manifest: dict[str, Any], scratch: Path) -> Task:
    """The task named on the command line (ingest:STYLE, report, tracker, watch-floor)."""
    if name.startswith("ingest:"):
        return ingest_task(manifest, name.split(":", 1)[1], scratch)
    factories = {"report": report_task, "tracker": tracker_task, "watch-floor": watch_floor_task}
    return factories[name](manifest, scratch)


def main(argv: list[str]) -> int:
    """Run one task in one mode and print the JSON result."""
    name, manifest_path, mode = argv
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    repeats = int(manifest["repeats"])
    with tempfile.TemporaryDirectory(prefix="qap-bench-", dir=manifest.get("scratch")) as tmp:
        scratch = Path(tmp)
        result: dict[str, Any]
        if name == "parts":
            result = parts(manifest, scratch)
        elif mode == "time":
            task = make_task(name, manifest, scratch)
            result = {"times": interleave(task.variants, repeats, setup=task.setup)}
        else:
            task = make_task(name, manifest, scratch)
            variant = mode.split(":", 1)[1]
            if task.setup is not None:
                task.setup(0)
            task.variants[variant](0)
            result = {}
        result["peak_mb"] = peak_mb_self()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
