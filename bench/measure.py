"""Timing and memory helpers: interleaved repeats, medians with spread, and child processes' peak memory."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parent / "launch.py"


@dataclass(frozen=True)
class Spread:
    """The median of some samples and their interquartile range (q1, q3)."""

    median: float
    q1: float
    q3: float
    n: int

    def as_dict(self) -> dict[str, float]:
        """The numbers as written to the results JSON."""
        return {"median": self.median, "q1": self.q1, "q3": self.q3, "n": self.n}


def spread(samples: Sequence[float]) -> Spread:
    """Median and interquartile range; with fewer than four samples the range is min to max."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    if len(ordered) < 4:
        return Spread(statistics.median(ordered), ordered[0], ordered[-1], len(ordered))
    q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Spread(statistics.median(ordered), q1, q3, len(ordered))


def paired_ratio(qap: Sequence[float], floor: Sequence[float]) -> Spread:
    """The spread of qap/floor taken pair by pair: each pair ran back to back, so machine noise cancels."""
    ratios = [q / f for q, f in zip(qap, floor, strict=True) if f > 0]
    return spread(ratios)


def interleave(
    variants: dict[str, Callable[[int], object]],
    repeats: int,
    *,
    setup: Callable[[int], object] | None = None,
    warmup: int = 1,
) -> dict[str, list[float]]:
    """Run each variant `repeats` times, alternating, after untimed warm-up runs; seconds per run.

    `setup(i)` runs untimed before each round (fresh copies of inputs); variants get the round number.
    """
    times: dict[str, list[float]] = {name: [] for name in variants}
    for round_number in range(warmup + repeats):
        if setup is not None:
            setup(round_number)
        for name, run in variants.items():
            start = time.perf_counter()
            run(round_number)
            elapsed = time.perf_counter() - start
            if round_number >= warmup:
                times[name].append(elapsed)
    return times


def peak_mb_self() -> float:
    """This process's peak resident memory so far (VmHWM), in MB; exec starts it afresh."""
    return _vm_hwm(Path("/proc/self/status"))


def _vm_hwm(status: Path) -> float:
    for line in status.read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time, peak memory of that child alone, and its output."""

    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_child(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> ChildRun:
    """Run a command through bench/launch.py, which times it and reports its own peak RSS.

    Linux carries a process's peak RSS across exec, so a command forked straight from this
    (large) process would report this process's memory; the small launcher forks it instead.
    """
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-S", str(LAUNCHER), str(write_end), *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "r", encoding="ascii") as report:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RuntimeError(f"{' '.join(argv)} took longer than {timeout:g} s") from None
        fields = report.read().split()
    if proc.returncode != 0 or len(fields) != 3:
        raise RuntimeError(f"the launcher failed for {' '.join(argv)}: {err[-2000:]}")
    seconds, max_rss_kb, code = float(fields[0]), int(fields[1]), int(fields[2])
    return ChildRun(seconds, max_rss_kb / 1024, code, out, err)


def peak_mb_of(pid: int) -> float:
    """A running process's peak resident memory so far (VmHWM), in MB."""
    return _vm_hwm(Path(f"/proc/{pid}/status"))
