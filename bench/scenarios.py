"""Measurements made from outside, as a coordinator meets them: `qap --help`, `qap run` on a burst, `qap watch`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import ChildRun, peak_mb_of, run_child

ROOT = Path(__file__).resolve().parent.parent


def qap_command() -> list[str]:
    """The installed `qap` script beside this Python, else `python -m pipeline`."""
    script = Path(sys.executable).parent / "qap"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pipeline"]


def worker(task: str, manifest: Path, mode: str) -> dict[str, Any]:
    """Run `python -m bench.worker` and return its JSON (its own peak memory included)."""
    done = run_child([sys.executable, "-m", "bench.worker", task, str(manifest), mode], cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {task} {mode} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def startup(repeats: int) -> dict[str, Any]:
    """`qap --help` beside `python -c pass`, alternately; wall times and each one's peak memory."""
    commands = {"qap": [*qap_command(), "--help"], "floor": [sys.executable, "-c", "pass"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for round_number in range(repeats + 1):
        for name, argv in commands.items():
            done = run_child(argv)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr[-2000:]}")
            if round_number:  # the first round only warms the file cache
                times[name].append(done.seconds)
                peaks[name] = max(peaks[name], done.peak_mb)
    return {"times": times, "peaks": peaks}


def _copy_workspace(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True)
    return target


def burst_run(workspace: Path, files: Sequence[Path], scratch: Path) -> ChildRun:
    """`qap run` once over `files` dropped into a fresh copy of the workspace."""
    target = _copy_workspace(workspace, scratch / "burst-ws")
    for path in files:
        shutil.copyfile(path, target / "inbox" / path.name)
    done = run_child([*qap_command(), "--workspace", str(target), "run", "--quiet-period", "0"])
    if done.returncode != 0:
        raise RuntimeError(f"qap run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    if f"{len(files)} files processed" not in done.stdout:
        raise RuntimeError(f"qap run did not process every file:\n{done.stdout[-2000:]}")
    return done


@dataclass(frozen=True)
class WatchResult:
    """Seconds from each file being complete to its report and tracker being in place; the watcher's peak."""

    latencies: tuple[float, ...]
    peak_mb: float
    quiet: float


def _set_quiet(workspace: Path, quiet: float) -> None:
    config = workspace / "qap.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        re.sub(r"(?m)^quiet_period_seconds = .*$", f"quiet_period_seconds = {quiet}", text),
        encoding="utf-8",
    )


def _outputs(workspace: Path, audit_id: str) -> tuple[frozenset[str], int]:
    reports = workspace / "outbox" / "reports" / audit_id
    names = frozenset(p.name for p in reports.glob("*.docx")) if reports.is_dir() else frozenset()
    tracker = workspace / "outbox" / "tracker.xlsx"
    return names, tracker.stat().st_mtime_ns if tracker.exists() else 0


def _wait_for(
    workspace: Path, audit_id: str, before: tuple[frozenset[str], int], timeout: float
) -> float:
    """Poll until a new draft and a rewritten tracker are both there; the time that happened."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        names, tracker = _outputs(workspace, audit_id)
        if names - before[0] and tracker != before[1]:
            return time.perf_counter()
        time.sleep(0.005)
    raise RuntimeError(f"qap watch did not update the report and tracker within {timeout:g} s")


def _wait_for_text(path: Path, text: str, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while text not in path.read_text(encoding="utf-8"):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"qap watch did not start: {path.read_text()[-2000:]}")
        time.sleep(0.02)


def watch_latency(
    workspace: Path, files: Sequence[Path], audit_id: str, scratch: Path, quiet: float
) -> WatchResult:
    """Start `qap watch`, write each file into the inbox in turn, and time until its outputs are in place."""
    target = _copy_workspace(workspace, scratch / "watch-ws")
    _set_quiet(target, quiet)
    log_path = scratch / "watch.log"
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [*qap_command(), "--workspace", str(target), "watch"],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        # Unbuffered, so the log shows each line as the watcher prints it.
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    latencies: list[float] = []
    peak = 0.0
    try:
        _wait_for_text(log_path, "Watching", 60)
        time.sleep(1.0)  # the observer starts just after the first line
        for path in files:
            data = path.read_bytes()
            before = _outputs(target, audit_id)
            with open(target / "inbox" / path.name, "wb") as fh:
                fh.write(data)
            complete = time.perf_counter()
            try:
                done = _wait_for(target, audit_id, before, 60 + quiet)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}; its log:\n{log_path.read_text()[-3000:]}") from None
            latencies.append(done - complete)
            # Let the run finish its bookkeeping before the next file arrives.
            time.sleep(0.5)
        # The high-water mark of the watcher's own memory; read before it exits.
        peak = peak_mb_of(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        log.close()
    return WatchResult(tuple(latencies), peak, quiet)
