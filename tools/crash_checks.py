"""The crash harness's invariants, checked on a workspace once the last watcher has stopped.

Each check returns a list of failures in words; an empty list means the invariant held.
Read-only: nothing here changes the workspace.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

# What qap keeps at the top of .qap/; anything else there (or any hidden or temp name elsewhere)
# is a temporary file an interrupted step left behind.
PRIVATE_FILES = {"ledger.sqlite", "lock", "secret.key", "workspace-id", "tracker.sqlite"}
TEMP_NAME = re.compile(r"(^\.|^~|\.tmp$|\.partial|\.pending\.)", re.IGNORECASE)


@dataclass(frozen=True)
class Fed:
    """One file the harness put in the inbox: its name, bytes' hash, kind, and audit and agency."""

    name: str
    sha256: str
    kind: str
    audit_id: str = ""
    agency_key: str = ""

    @property
    def good(self) -> bool:
        return bool(self.audit_id)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kept_files(root: Path) -> list[Path]:
    """Every original kept in archive/ and quarantine/ (not the quarantine notes)."""
    found = [p for p in (root / "archive").rglob("*") if p.is_file()]
    found += [p for p in (root / "quarantine").rglob("*") if p.is_file() and p.suffix != ".txt"]
    return sorted(found)


def _ledger(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{root / '.qap' / 'ledger.sqlite'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def check_files(root: Path, fed: Iterable[Fed]) -> list[str]:
    """Every fed file's bytes kept exactly once in archive or quarantine, nothing else kept; inbox empty."""
    problems: list[str] = []
    sent = Counter(f.sha256 for f in fed)
    kept = Counter(sha256_of(p) for p in kept_files(root))
    for sha, count in (sent - kept).items():
        problems.append(f"lost: {count} fed file(s) with sha256 {sha[:12]} are not kept")
    for sha, count in (kept - sent).items():
        problems.append(f"extra: {count} kept file(s) with sha256 {sha[:12]} were never fed")
    left = sorted(p.name for p in (root / "inbox").iterdir())
    if left:
        problems.append(f"left in the inbox: {left}")
    processing = root / ".qap" / "processing"
    if processing.is_dir() and any(processing.iterdir()):
        problems.append(f"left in .qap/processing: {sorted(p.name for p in processing.iterdir())}")
    return problems


def check_ledger(root: Path, fed: list[Fed]) -> list[str]:
    """The ledger agrees with archive and quarantine; one current return per agency per audit."""
    problems: list[str] = []
    with _ledger(root) as conn:
        files = conn.execute("SELECT * FROM files").fetchall()
        current = conn.execute(
            "SELECT audit_id, agency_key, sha256, received_at FROM returns"
            " WHERE current=1 AND kind='return'"
        ).fetchall()
        accepted = conn.execute(
            "SELECT audit_id, agency_key, MAX(received_at) AS latest FROM returns"
            " WHERE kind='return' GROUP BY audit_id, agency_key"
        ).fetchall()
        dirty = [r[0] for r in conn.execute("SELECT audit_id FROM dirty")]
    if len(files) != len(fed):
        problems.append(f"ledger has {len(files)} file records for {len(fed)} files fed")
    recorded = set()
    for row in files:
        path = root / row["stored_path"]
        recorded.add(path)
        if not row["placed"]:
            problems.append(f"ledger file {row['id']} ({row['original_name']}) is not placed")
        if not path.is_file():
            problems.append(f"ledger file {row['id']} is missing at {row['stored_path']}")
        elif sha256_of(path) != row["sha256"]:
            problems.append(f"{row['stored_path']} does not hold the bytes the ledger recorded")
        folder = "quarantine" if row["outcome"] == "quarantined" else "archive"
        if not row["stored_path"].startswith(f"{folder}/"):
            problems.append(f"{row['outcome']} file kept outside {folder}/: {row['stored_path']}")
        if row["outcome"] == "quarantined" and not Path(f"{path}.txt").is_file():
            problems.append(f"quarantined {row['stored_path']} has no note")
    unrecorded = sorted(str(p.relative_to(root)) for p in set(kept_files(root)) - recorded)
    if unrecorded:
        problems.append(f"kept but not in the ledger: {unrecorded}")
    good = [f for f in fed if f.good]
    by_content = {f.sha256: f for f in good}
    accepted_shas = Counter(r["sha256"] for r in files if r["outcome"] == "accepted")
    for sha, f in by_content.items():
        if accepted_shas[sha] != 1:
            problems.append(f"{f.name} ({sha[:12]}) accepted {accepted_shas[sha]} times, not once")
    for r in files:
        if r["outcome"] == "quarantined" and r["sha256"] in by_content:
            problems.append(f"good return {r['original_name']} was quarantined: {r['reason']}")
    hostile = Counter(f.sha256 for f in fed if not f.good)
    quarantined = Counter(r["sha256"] for r in files if r["outcome"] == "quarantined")
    if hostile != quarantined:
        problems.append(
            f"{sum(hostile.values())} hostile files fed, {len(quarantined)} quarantined"
        )
    pairs = Counter((r["audit_id"], r["agency_key"]) for r in current)
    expected = {(f.audit_id, f.agency_key) for f in good}
    if set(pairs) != expected:
        problems.append(f"current returns for {sorted(pairs)}, expected {sorted(expected)}")
    problems += [f"{p} has {n} current returns" for p, n in pairs.items() if n != 1]
    latest = {(r["audit_id"], r["agency_key"]): r["latest"] for r in accepted}
    for r in current:
        if r["received_at"] != latest[(r["audit_id"], r["agency_key"])]:
            problems.append(
                f"the current return of {r['audit_id']}/{r['agency_key']} is not the latest"
            )
    if dirty:
        problems.append(f"outputs still waiting to be rebuilt: {dirty}")
    return problems


def _document_text(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    return "\n".join("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p)) for p in paragraphs)


def check_reports(root: Path) -> list[str]:
    """The latest draft of each audit counts every current return and was written after the last."""
    problems: list[str] = []
    with _ledger(root) as conn:
        rows = conn.execute(
            "SELECT audit_id, COUNT(*) AS n FROM returns WHERE current=1 AND kind='return'"
            " GROUP BY audit_id"
        ).fetchall()
    for row in rows:
        folder = root / "outbox" / "reports" / row["audit_id"]
        latest = folder / f"{row['audit_id']}-draft-latest.docx"
        if not latest.is_file():
            problems.append(f"no draft report for {row['audit_id']}")
            continue
        try:
            text = _document_text(latest)
        except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
            problems.append(f"{latest.name} cannot be read ({type(exc).__name__})")
            continue
        if f"Based on {row['n']} of " not in text:
            found = re.search(r"Based on \d+ of [^.]*", text)
            problems.append(
                f"{latest.name} does not reflect {row['n']} returns "
                f"(it says {found.group(0) if found else 'nothing'!r})"
            )
        for draft in folder.glob("*.docx"):
            if draft.stat().st_size == 0:
                problems.append(f"empty draft left behind: {draft.relative_to(root)}")
    return problems


def tracker_rows(path: Path) -> list[dict[str, object]]:
    """The Tracker sheet's rows, values by header."""
    book = load_workbook(path, read_only=True)
    try:
        sheet = book["Tracker"]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        headers = [str(h) for h in next(rows)]
        return [dict(zip(headers, r, strict=False)) for r in rows if any(v is not None for v in r)]
    finally:
        book.close()


def check_tracker(root: Path, edits: dict[str, tuple[str, str]]) -> list[str]:
    """The tracker opens, holds every current action once, refs are unique, hand edits survive."""
    path = root / "outbox" / "tracker.xlsx"
    try:
        rows = tracker_rows(path)
    except Exception as exc:  # any failure to open is the finding
        return [f"the tracker does not open ({type(exc).__name__})"]
    problems: list[str] = []
    refs = Counter(str(r.get("Ref")) for r in rows)
    problems += [f"ref {ref} appears {n} times in the tracker" for ref, n in refs.items() if n > 1]
    with _ledger(root) as conn:
        current = conn.execute(
            "SELECT audit_id, actions FROM returns WHERE current=1 AND kind='return'"
        ).fetchall()
    import json

    wanted = Counter(
        (r["audit_id"], a["action"].strip()) for r in current for a in json.loads(r["actions"])
    )
    held = Counter(
        (str(r.get("Audit")), str(r.get("Recommendation or action")).strip()) for r in rows
    )
    for key, n in wanted.items():
        if held[key] != n:
            problems.append(
                f"action {key[1][:40]!r} of {key[0]} is in the tracker {held[key]} times, not {n}"
            )
    by_ref = {str(r.get("Ref")): r for r in rows}
    for ref, (status, progress) in edits.items():
        row = by_ref.get(ref)
        if row is None:
            problems.append(f"row {ref}, edited by hand, is gone")
        elif (row.get("Status"), row.get("Latest progress update")) != (status, progress):
            problems.append(
                f"hand edit of {ref} lost: {row.get('Status')!r}/{row.get('Latest progress update')!r}"
                f" instead of {status!r}/{progress!r}"
            )
    return problems


def check_receipts(root: Path) -> list[str]:
    """One receipt per accepted return, even when a run died while writing one."""
    with _ledger(root) as conn:
        accepted = conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
    receipts = [p for p in (root / "outbox" / "receipts").rglob("*.txt")]
    if len(receipts) != accepted:
        return [f"{len(receipts)} receipts for {accepted} accepted returns"]
    return []


def check_temporaries(root: Path) -> list[str]:
    """No temporary, partial, pending or hidden files left anywhere qap writes."""
    problems: list[str] = []
    for folder in ("inbox", "outbox", "archive", "quarantine", ".qap"):
        for path in (root / folder).rglob("*"):
            rel = path.relative_to(root)
            if path.is_dir() or (
                rel.parent == Path(".qap") and path.name.split("-")[0] in PRIVATE_FILES
            ):
                continue
            if rel.parts[:2] == (".qap", "chart-cache") and path.suffix == ".png":
                continue
            if TEMP_NAME.search(path.name) or rel.parts[:2] == (".qap", "processing"):
                problems.append(f"temporary file left behind: {rel}")
    return problems


def check_all(root: Path, fed: list[Fed], edits: dict[str, tuple[str, str]]) -> list[str]:
    """Every invariant, each failure in words."""
    return [
        *check_files(root, fed),
        *check_ledger(root, fed),
        *check_tracker(root, edits),
        *check_reports(root),
        *check_receipts(root),
        *check_temporaries(root),
    ]
