"""Crash harness: feed `qap watch` a random stream of returns, SIGKILL it at random moments, check.

    python tools/crash_harness.py --kills N [--seed S] [--workdir DIR]

A temporary workspace gets good returns, byte-identical duplicates, resubmissions, late returns
(old modification times), hostile files, files copied in slowly and Word-style rename-saves,
while the watcher is killed and restarted N times and the group edits the tracker between runs.
A last watcher then drains the inbox and the invariants of tools/crash_checks.py are checked.
Prints a summary; exits 1 when an invariant failed, each failure described.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from crash_checks import Fed, check_all, tracker_rows  # noqa: E402

from pipeline.definitions import load_catalogue  # noqa: E402
from pipeline.demo.answers import demo_filled  # noqa: E402
from pipeline.demo.fill import fill_docx, fill_xlsx  # noqa: E402
from pipeline.forms.issue import issue_forms  # noqa: E402
from pipeline.lock import WAITING_MESSAGE  # noqa: E402
from pipeline.workspace import Workspace, init_workspace  # noqa: E402
from tests.hostile import LAUGHS, XXE, base_docx, ole_encrypted, rewrite_zip, with_doctype  # noqa: E402

AUDITS = ("domestic-abuse-2026", "teen-pregnancy-2026", "fathers-2026")
KINDS = {
    "good": 30,
    "resubmission": 12,
    "duplicate": 12,
    "late": 8,
    "hostile": 18,
    "slow": 10,
    "rename": 10,
}
HOSTILE = ("pdf", "png", "password", "doctype", "laughs", "zip-slip", "text", "duplicate-part")
STATUSES = ("Not started", "In progress", "Completed", "Verified and closed")
TODAY = dt.date(2026, 12, 1)
EXCEL_OPEN = (
    "tracker.xlsx is open in Excel or LibreOffice (~$tracker.xlsx exists)",
    "tracker tracker.xlsx not replaced: open",
)
# A guard against hanging forever while the last watcher drains the inbox, not a speed target.
DRAIN_PATIENCE = 900.0


@dataclass
class Stream:
    """The random stream of files and what was fed, edited and seen."""

    workspace: Workspace
    rng: random.Random
    scratch: Path
    fed: list[Fed] = field(default_factory=list)
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    forms: dict[tuple[str, str], dict[str, Path]] = field(default_factory=dict)
    counter: int = 0
    runs: int = 0
    copiers: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        partnership = self.workspace.partnership()
        catalogue = load_catalogue(self.workspace.audits_dir, partnership)
        self.audits = {a: catalogue.get(a) for a in AUDITS}
        self.pairs = [(a, k) for a in AUDITS for k in self.audits[a].agencies]

    # --- making files ---------------------------------------------------------------------

    def _name(self, stem: str, suffix: str) -> str:
        self.counter += 1
        odd = self.rng.choice(("", " (2)", " – final", " é"))
        return f"{self.counter:05d} {stem}{odd}{suffix}"

    def _return(self, pair: tuple[str, str]) -> tuple[Path, Fed]:
        """A new version of a pair's return: same actions, different sign-off, so new bytes."""
        audit_id, agency = pair
        version = self.versions.get(pair, 0) + 1
        self.versions[pair] = version
        if pair not in self.forms:
            [issued] = issue_forms(self.workspace, audit_id, [agency], ["docx", "xlsx"])
            self.forms[pair] = {p.suffix[1:]: p for p in issued.paths}
        audit = self.audits[audit_id]
        filled = demo_filled(audit, agency, TODAY)
        filled.labels["completed_by"] = f"Reviewer {version} of {agency}"
        fmt = "xlsx" if self.pairs.index(pair) % 3 == 0 else "docx"
        path = self.scratch / f"{audit_id}-{agency}-v{version}.{fmt}"
        if fmt == "docx":
            fill_docx(self.forms[pair]["docx"], path, filled.by_tag())
        else:
            fill_xlsx(self.forms[pair]["xlsx"], path, audit, filled)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        return path, Fed(self._name(f"{agency} {audit_id}", f".{fmt}"), sha, "", audit_id, agency)

    def _hostile(self) -> tuple[Path, Fed]:
        kind = self.rng.choice(HOSTILE)
        path = self.scratch / f"hostile-{self.counter}.docx"
        base = self._base_docx()
        if kind == "pdf":
            path.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n" + os.urandom(8))
        elif kind == "png":
            path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
        elif kind == "password":
            ole_encrypted(path)
        elif kind in ("doctype", "laughs"):
            with_dtd = with_doctype(
                _member(base, "word/document.xml"), XXE if kind == "doctype" else LAUGHS
            )
            rewrite_zip(base, path, {"word/document.xml": with_dtd})
        elif kind == "zip-slip":
            rewrite_zip(base, path, add=[("../../evil.txt", os.urandom(8))])
        elif kind == "duplicate-part":
            rewrite_zip(base, path, add=[("word/document.xml", _member(base, "word/document.xml"))])
        else:
            path.write_bytes(b"Agency: Police\r\nAnswer: Yes\r\n" + os.urandom(4).hex().encode())
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        return path, Fed(self._name(f"hostile {kind}", ".docx"), sha, "hostile")

    def _base_docx(self) -> Path:
        base = self.scratch / "base.docx"
        return base if base.exists() else base_docx(base)

    def _pick_fed_good(self) -> Fed | None:
        good = [f for f in self.fed if f.good]
        return self.rng.choice(good) if good else None

    # --- feeding --------------------------------------------------------------------------

    def feed_one(self) -> None:
        """Put one random file in the inbox, in one of the ways files really arrive."""
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        inbox = self.workspace.inbox
        if kind == "hostile":
            path, fed = self._hostile()
            shutil.copyfile(path, inbox / fed.name)
            self._note(fed)
            return
        if kind == "duplicate" and (earlier := self._pick_fed_good()) is not None:
            source = self.scratch / "by-sha" / earlier.sha256
            fed = Fed(
                self._name("copy", Path(earlier.name).suffix),
                earlier.sha256,
                kind,
                earlier.audit_id,
                earlier.agency_key,
            )
            shutil.copyfile(source, inbox / fed.name)
            self._note(fed)
            return
        fresh = [p for p in self.pairs if p not in self.versions]
        if kind == "resubmission" or not fresh:
            pair = self.rng.choice([p for p in self.pairs if p in self.versions] or self.pairs)
        else:
            pair = self.rng.choice(fresh)
        path, fed = self._return(pair)
        fed = Fed(fed.name, fed.sha256, kind, fed.audit_id, fed.agency_key)
        keep = self.scratch / "by-sha"
        keep.mkdir(exist_ok=True)
        shutil.copyfile(path, keep / fed.sha256)
        if kind == "slow":
            self._note(fed)
            thread = threading.Thread(
                target=_slow_copy, args=(path, inbox / fed.name, self.rng.random())
            )
            thread.start()
            self.copiers.append(thread)
        elif kind == "rename":
            _rename_save(path, inbox, fed.name, self.counter)
            self._note(fed)
        else:
            shutil.copyfile(path, inbox / fed.name)
            if kind == "late":
                # Saved from an old email: the file's own time is weeks before it arrived.
                old = time.time() - 40 * 86400
                os.utime(inbox / fed.name, (old, old))
            self._note(fed)

    def _note(self, fed: Fed) -> None:
        with self.lock:
            self.fed.append(fed)

    def close_excel(self) -> None:
        """The group closes the tracker it had open in Excel during the last run."""
        owner = self.workspace.outbox / "~$tracker.xlsx"
        owner.unlink(missing_ok=True)

    def edit_tracker(self, round_no: int) -> str | None:
        """The group edits a row's status and progress in the tracker, saving as Excel does.

        Sometimes it leaves the workbook open (Excel's owner file) through the next run, so qap
        must put its update aside and apply it once the workbook is closed.
        """
        from openpyxl import load_workbook

        path = self.workspace.outbox / "tracker.xlsx"
        if not path.exists():
            return None
        if self.rng.random() < 0.4:
            (path.with_name(f"~${path.name}")).write_bytes(b"\x0bA. Member" + bytes(150))
        try:
            rows = tracker_rows(path)
            book = load_workbook(path)
        except Exception as exc:  # a tracker that does not open after a kill is the finding
            return f"after kill {round_no}: the tracker does not open ({type(exc).__name__})"
        refs = [str(r["Ref"]) for r in rows if r.get("Ref")]
        if not refs:
            return None
        sheet = book["Tracker"]
        headers = {c.value: c.column for c in sheet[1]}
        ref = self.rng.choice(refs)
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == ref)
        status = self.rng.choice(STATUSES)
        progress = f"Edited by the group after run {round_no}"
        sheet.cell(row, headers["Status"], status)
        sheet.cell(row, headers["Latest progress update"], progress)
        temp = path.with_name(f"~edit-{round_no}.xlsx")
        book.save(temp)
        os.replace(temp, path)
        self.edits[ref] = (status, progress)
        return None


def _member(package: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(package) as zf:
        return zf.read(name)


def _slow_copy(source: Path, target: Path, pace: float) -> None:
    """Copy in small chunks over a second or two, as a slow share or email client does."""
    data = source.read_bytes()
    step = max(2048, len(data) // 20)
    with target.open("wb") as out:
        for start in range(0, len(data), step):
            out.write(data[start : start + step])
            out.flush()
            time.sleep(0.02 + 0.08 * pace)


def _rename_save(source: Path, inbox: Path, name: str, n: int) -> None:
    """Word's save: an owner file, a temp file written, renamed to the real name, owner removed."""
    owner = inbox / f"~${name[2:]}"
    owner.write_bytes(b"\x0bA. Reviewer" + bytes(150))
    temp = inbox / f"~WRL{n % 10000:04d}.tmp"
    shutil.copyfile(source, temp)
    os.rename(temp, inbox / name)
    owner.unlink()


def _fast_settings(workspace: Workspace, quiet: float, poll: float) -> None:
    text = workspace.config_path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^quiet_period_seconds = .*$", f"quiet_period_seconds = {quiet}", text)
    text = re.sub(r"(?m)^poll_interval_seconds = .*$", f"poll_interval_seconds = {poll}", text)
    workspace.config_path.write_text(text, encoding="utf-8")


def _start(workspace: Workspace, logs: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start `qap ARGS` on the workspace, its output appended to logs/<command>.out and .err."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAP_")}
    command = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root)]
    with (logs / f"{args[0]}.out").open("ab") as out, (logs / f"{args[0]}.err").open("ab") as err:
        return subprocess.Popen(
            [*command, *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )


def _settled(workspace: Workspace) -> bool:
    """Nothing in the inbox or processing, and no output waiting to be rebuilt."""
    if any(workspace.inbox.iterdir()) or any(workspace.processing.iterdir()):
        return False
    try:
        with sqlite3.connect(f"file:{workspace.ledger_path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM dirty").fetchone()[0] == 0
    except sqlite3.Error:
        return False


def run(kills: int, seed: int, workdir: Path, say: Callable[[str], None] = print) -> list[str]:
    """Run the harness; returns the invariant failures (empty when everything held)."""
    rng = random.Random(seed)
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "scratch").mkdir(parents=True)
    logs = workdir / "logs"
    logs.mkdir()
    init_workspace(workdir / "ws")
    workspace = Workspace((workdir / "ws").resolve())
    _fast_settings(workspace, quiet=0.3, poll=1.0)
    stream = Stream(workspace, rng, workdir / "scratch")
    failures: list[str] = []
    started = time.monotonic()
    for round_no in range(1, kills + 1):
        watcher = _start(
            workspace, logs, "watch", *(["--poll", "0.5"] if rng.random() < 0.25 else [])
        )
        # Now and then a coordinator runs `qap run` at the same time: it must wait its turn.
        others = [_start(workspace, logs, "run") for _ in range(rng.random() < 0.2)]
        stream.runs += len(others)
        # Most runs die within a few seconds; some live long enough to finish a whole burst.
        life = rng.uniform(0.3, 1.6) if rng.random() < 0.8 else rng.uniform(2.0, 8.0)
        end = time.monotonic() + life
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, rng.expovariate(1 / 0.9)))
            if time.monotonic() < end and rng.random() < 0.7:
                stream.feed_one()
        for process in (watcher, *others):
            process.send_signal(signal.SIGKILL)
            process.wait()
        stream.close_excel()
        if rng.random() < 0.1:
            stream.feed_one()  # arrives while qap is down
        if rng.random() < 0.25 and (problem := stream.edit_tracker(round_no)):
            failures.append(problem)
        if round_no % 50 == 0:
            say(
                f"  {round_no} kills, {len(stream.fed)} files fed, {time.monotonic() - started:.0f}s"
            )
    for thread in stream.copiers:
        thread.join()
    stream.close_excel()
    watcher = _start(workspace, logs, "watch")
    deadline = time.monotonic() + DRAIN_PATIENCE
    while not _settled(workspace) and time.monotonic() < deadline:
        time.sleep(1.0)
    time.sleep(1.0)
    watcher.send_signal(signal.SIGTERM)
    if watcher.wait(timeout=120) != 0:
        failures.append(f"the last watcher exited with {watcher.returncode}")
    failures += _error_output(logs)
    failures += check_all(workspace.root, stream.fed, stream.edits)
    say(_summary(kills, stream, failures, time.monotonic() - started))
    return failures


def _error_output(logs: Path) -> list[str]:
    """Anything qap wrote to standard error beyond its notices that it waits its turn, or that
    the group has the tracker open (the harness leaves Excel's owner file there on purpose)."""
    lines: list[str] = []
    for err in sorted(logs.glob("*.err")):
        text = err.read_text(encoding="utf-8", errors="replace")
        lines += [
            f"{err.stem} error output: {line}"
            for line in text.splitlines()
            if line.strip() and line != WAITING_MESSAGE and not any(n in line for n in EXCEL_OPEN)
        ]
    return lines[:20]


def _summary(kills: int, stream: Stream, failures: list[str], seconds: float) -> str:
    kinds = {k: sum(1 for f in stream.fed if f.kind == k) for k in (*KINDS, "hostile")}
    lines = [
        f"{kills} kills, {len(stream.fed)} files fed "
        f"({', '.join(f'{n} {k}' for k, n in kinds.items() if n)}), "
        f"{stream.runs} concurrent `qap run`s also killed, "
        f"{len(stream.edits)} rows edited by hand, {seconds:.0f}s.",
    ]
    if failures:
        lines.append(f"{len(failures)} invariant failure(s):")
        lines += [f"  - {f}" for f in failures]
    else:
        lines.append("All invariants held.")
    return "\n".join(lines)


def main() -> int:
    """Parse the options, run the harness, exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="how many times to SIGKILL qap watch")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed when omitted)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to build the workspace")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qap-crash-"))
    print(f"Crash harness: {args.kills} kills, seed {seed}, workspace {workdir / 'ws'}")
    return 1 if run(args.kills, seed, workdir) else 0


if __name__ == "__main__":
    sys.exit(main())
