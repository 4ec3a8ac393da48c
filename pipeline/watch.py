"""`qap watch`: keep processing the inbox as files arrive, with filesystem events as hints only.

The watchdog observer just wakes the loop; a scan of the folder decides what to process, so a
rename-save, a missed event (network shares) or a file that arrived while qap was stopped is
still picked up. A burst of arrivals is left to settle and then processed as one run, so the
reports and the tracker are rebuilt once per burst.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from pipeline.errors import QapError
from pipeline.inbox import InboxScanner
from pipeline.intake import RunSummary, run_inbox
from pipeline.processing import Outcome
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

# After an event, wait this long for more before scanning, so one save is one scan.
SETTLE_SECONDS = 0.5


class _Hint(FileSystemEventHandler):
    """Records that something changed in the inbox; never reads or moves a file itself."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.wake.set()


def _start_observer(
    workspace: Workspace, poll: float | None, wake: threading.Event
) -> BaseObserver | None:
    observer: BaseObserver = PollingObserver(timeout=poll) if poll else Observer()
    try:
        observer.schedule(_Hint(wake), str(workspace.inbox), recursive=False)
        observer.start()
    except OSError as exc:
        # The share may be unmounted; the periodic scan carries on and we try again later.
        log.error(
            "cannot watch %s (%s); relying on periodic scans", workspace.inbox, type(exc).__name__
        )
        return None
    return observer


def _stop_observer(observer: BaseObserver | None) -> None:
    if observer is not None:
        observer.stop()
        observer.join(timeout=10)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Stop cleanly on Ctrl+C or SIGTERM when running in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s received; stopping after the current file", signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _run_once(
    workspace: Workspace,
    scanner: InboxScanner,
    on_outcome: Callable[[Outcome], None] | None,
    on_wait: Callable[[str], None] | None,
    on_run: Callable[[RunSummary], None] | None,
) -> RunSummary | None:
    def progress(index: int, total: int, outcome: Outcome) -> None:
        log.info("%s [sha256 %s]", outcome.describe(), outcome.sha256[:12])
        if on_outcome is not None:
            on_outcome(outcome)

    try:
        summary = run_inbox(workspace, progress, wait=False, on_wait=on_wait, scanner=scanner)
    except QapError as exc:  # our own messages name the file and the fix; no answer text
        log.error("inbox scan failed: %s Will try again.", exc.format_message())
        return None
    except Exception as exc:  # the watcher must keep running whatever one scan meets
        log.error("inbox scan failed (%s); will try again", type(exc).__name__)
        return None
    for problem in summary.problems:
        log.warning("%s", problem)
    if on_run is not None and summary.outcomes:
        on_run(summary)
    return summary


def watch(
    workspace: Workspace,
    poll: float | None = None,
    stop_event: threading.Event | None = None,
    *,
    quiet: float | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    on_run: Callable[[RunSummary], None] | None = None,
) -> None:
    """Watch the inbox until `stop_event` is set (or SIGINT/SIGTERM); `poll` selects polling.

    `on_outcome` hears of each file, `on_run` of each burst processed together.
    """
    settings = workspace.partnership().settings
    scanner = InboxScanner(
        workspace.inbox, settings.quiet_period_seconds if quiet is None else quiet
    )
    interval = poll or settings.poll_interval_seconds
    stop = stop_event or threading.Event()
    wake = threading.Event()
    workspace.ensure_private_dirs()
    observer = _start_observer(workspace, poll, wake)
    log.info("watching %s (%s)", workspace.inbox, f"polling every {poll}s" if poll else "events")
    held_since: float | None = None
    last_run = float("-inf")
    with _stop_on_signals(stop):
        try:
            while not stop.is_set():
                if observer is None or not observer.is_alive():
                    _stop_observer(observer)
                    observer = _start_observer(workspace, poll, wake)
                wake.clear()
                ready, waiting = scanner.scan()
                now = time.monotonic()
                if ready and waiting:
                    held_since = held_since or now
                # Hold ready files while others of the same burst are still arriving, within reason.
                settled = not waiting or (
                    held_since is not None and now - held_since >= 3 * scanner.quiet
                )
                if (ready and settled) or now - last_run >= interval:
                    if _run_once(workspace, scanner, on_outcome, on_wait, on_run) is None:
                        stop.wait(min(interval, 5.0))
                    last_run, held_since = time.monotonic(), None
                    continue
                timeout = scanner.next_check() if waiting else interval - (now - last_run)
                if wake.wait(max(0.05, timeout)) and not stop.is_set():
                    stop.wait(SETTLE_SECONDS)
        finally:
            _stop_observer(observer)
    log.info("stopped watching %s", workspace.inbox)
