"""Looking at the inbox: which files are complete and ready to read, and which are still arriving.

A file is ready once its size and modification time have stayed the same over the quiet
period and its zip structure is whole. The scanner remembers what it saw, so a watcher calling
it repeatedly never waits, while `qap run` waits a little for files still being copied.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ReturnRejected

log = logging.getLogger(__name__)

# A file that looks incomplete (no zip directory) but has not changed for this long is
# treated as damaged and quarantined, rather than waited for forever.
INCOMPLETE_GIVE_UP_SECONDS = 30 * 60.0


def ignored(name: str) -> bool:
    """True for owner, temporary and hidden files that qap leaves alone without comment."""
    if name.startswith("."):
        return True
    try:
        from pipeline.readers.precheck import ignored_name
    except ImportError:  # readers not installed yet: fall back to the common patterns
        lowered = name.lower()
        return name.startswith(("~$", "~WRL")) or lowered.endswith(".tmp")
    return ignored_name(name)


def _incomplete(path: Path) -> bool:
    """True when the precheck says the file may still be being copied."""
    try:
        from pipeline.readers.precheck import precheck_file
    except ImportError:
        return False
    try:
        precheck_file(path)
    except ReturnRejected as exc:
        return exc.retry
    except OSError:
        return True
    return False


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


@dataclass
class InboxScanner:
    """Remembers each inbox file's size and time between scans to tell when it is complete."""

    inbox: Path
    quiet: float
    give_up: float = INCOMPLETE_GIVE_UP_SECONDS
    _seen: dict[str, _Seen] = field(default_factory=dict)

    def candidates(self) -> list[os.DirEntry[str]]:
        """Regular, not-ignored files at the top of the inbox, in name order."""
        try:
            entries = list(os.scandir(self.inbox))
        except FileNotFoundError:
            return []
        found = [e for e in entries if not ignored(e.name) and e.is_file(follow_symlinks=False)]
        return sorted(found, key=lambda e: e.name)

    def scan(self) -> tuple[list[Path], list[Path]]:
        """(ready, waiting): files complete enough to read, and files still arriving."""
        ready: list[Path] = []
        waiting: list[Path] = []
        now_mono, now_wall = time.monotonic(), time.time()
        present: set[str] = set()
        for entry in self.candidates():
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            present.add(entry.name)
            seen = self._seen.get(entry.name)
            if seen is None or (seen.size, seen.mtime_ns) != (info.st_size, info.st_mtime_ns):
                seen = _Seen(info.st_size, info.st_mtime_ns, now_mono)
                self._seen[entry.name] = seen
            age = now_wall - info.st_mtime_ns / 1e9
            # Unchanged while we watched, or untouched for the quiet period by its own clock.
            stable = now_mono - seen.since >= self.quiet or age >= self.quiet
            path = Path(entry.path)
            if stable and (age >= self.give_up or not _incomplete(path)):
                ready.append(path)
            else:
                waiting.append(path)
        for name in set(self._seen) - present:
            del self._seen[name]
        return ready, waiting

    def next_check(self) -> float:
        """Seconds until a file now waiting could next become ready."""
        now = time.monotonic()
        pending = [
            s.since + self.quiet - now for s in self._seen.values() if s.since + self.quiet > now
        ]
        # Files already stable but incomplete inside are looked at again after a quiet period.
        return max(0.05, min(pending, default=self.quiet))

    def forget(self, path: Path) -> None:
        """Drop what was remembered about a file that has been taken from the inbox."""
        self._seen.pop(path.name, None)
