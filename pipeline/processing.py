"""Processing one claimed file: read, record, keep; the steps under intake's batches.

Steps, in an order that survives a crash at any point: claim (move out of the inbox into
.qap/processing), hash, read and identify, record in the ledger (one transaction), write the
receipt or quarantine note, give the original its final name, mark it placed. At the next start
`recover` finishes whatever a killed run left in processing.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import time
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.config import Partnership
from pipeline.definitions import Catalogue, load_catalogue
from pipeline.errors import QapError, ReturnRejected
from pipeline.ledger import ACCEPTED, DUPLICATE, QUARANTINED, Ledger
from pipeline.ledger_rows import FileRecord, NewFile, utc_now
from pipeline.model import RETURN_FORM, UPDATE_FORM, AuditReturn, StoredReturn
from pipeline.store import (
    Claimed,
    archive_name,
    claim,
    place,
    quarantine_name,
    quarantine_note,
    sha256_of,
    write_note,
)
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

CRASH_ENV = "QAP_TEST_CRASH_AT"
PAUSE_ENV = "QAP_TEST_PAUSE_AT"
_STAGES = (
    ("pipeline.readers.precheck", "precheck_file"),
    ("pipeline.readers", "read_return"),
    ("pipeline.identify", "identify_return"),
    ("pipeline.normalise", "normalise_return"),
)
DAMAGED = "The file is incomplete or damaged, so it cannot be opened."
DAMAGED_ADVICE = "Ask the agency to send the return again; the copy that arrived is not whole."


def checkpoint(step: str) -> None:
    """Test hook: stop dead (kill -9) or pause at a named step when the environment asks."""
    if os.environ.get(CRASH_ENV) == step:
        log.warning("test hook: killing this process at %s", step)
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(PAUSE_ENV) == step:
        time.sleep(float(os.environ.get("QAP_TEST_PAUSE_SECONDS", "1")))


@dataclass(frozen=True)
class Outcome:
    """What happened to one file, in words a coordinator can act on."""

    file_name: str
    outcome: str
    sha256: str = ""
    audit_id: str | None = None
    agency_key: str | None = None
    issues: int = 0
    reason: str = ""
    stored_path: str = ""
    receipt: str = ""
    kind: str = RETURN_FORM

    def describe(self) -> str:
        """One line for the coordinator: accepted / with N issues / duplicate / quarantined / waiting."""
        name = self.file_name
        if self.outcome == ACCEPTED:
            what = f"{self.audit_id}, {self.agency_key}"
            receipt = f"receipt {self.receipt}" if self.receipt else "no receipt (see the log)"
            if self.issues:
                plural = "s" if self.issues != 1 else ""
                return f"{name}: accepted with {self.issues} issue{plural} ({what}); {receipt}"
            return f"{name}: accepted ({what}); {receipt}"
        if self.outcome == DUPLICATE:
            return f"{name}: duplicate of {self.reason}; not counted again (kept as {self.stored_path})"
        if self.outcome == QUARANTINED:
            return f"{name}: quarantined: {self.reason} See {self.stored_path}.txt"
        return f"{name}: {self.reason}"

    def log_line(self) -> str:
        """The same outcome for the log: file name, hash and outcome, never answer text."""
        return (
            f"{self.file_name} sha256={self.sha256[:12] or '-'} outcome={self.outcome} "
            f"audit={self.audit_id or '-'} agency={self.agency_key or '-'} issues={self.issues}"
        )


@dataclass(frozen=True)
class Context:
    """What processing needs from the workspace, loaded once per batch."""

    workspace: Workspace
    partnership: Partnership
    catalogue: Catalogue
    key: bytes
    workspace_id: str


def _check_stages() -> None:
    """Fail the run (not the file) when part of qap itself is missing: no return is its fault."""
    for module, name in _STAGES:
        try:
            found = hasattr(importlib.import_module(module), name)
        except ImportError:
            found = False
        if not found:
            raise QapError(
                f"qap is not completely installed ({module}.{name} is missing), so it cannot read "
                "returns. Reinstall qap (pip install -e .) and run it again; nothing was lost."
            )


def load_context(workspace: Workspace) -> Context:
    """Load qap.toml, the audits and the signing key for a batch of files."""
    _check_stages()
    partnership = workspace.partnership()
    return Context(
        workspace,
        partnership,
        load_catalogue(workspace.audits_dir, partnership),
        workspace.secret_key(),
        workspace.workspace_id(),
    )


def _read(
    ctx: Context, path: Path, audit_id: str | None, agency_key: str | None
) -> tuple[AuditReturn, tuple[str, ...]]:
    """Read, identify and normalise one claimed file; raises ReturnRejected."""
    from pipeline.identify import identify_return, identify_update_form
    from pipeline.normalise import normalise_return, normalise_update
    from pipeline.readers import read_return

    try:
        raw = read_return(path)  # pre-checks the file first
    except ReturnRejected as exc:
        # Claimed files were complete when taken: "still copying" here means damaged.
        if exc.retry:
            raise ReturnRejected(DAMAGED, DAMAGED_ADVICE) from None
        raise
    if raw.identity is not None and raw.identity.kind == UPDATE_FORM:
        update = identify_update_form(
            raw, ctx.partnership, key=ctx.key, workspace_id=ctx.workspace_id, agency_key=agency_key
        )
        return normalise_update(raw, update), raw.notes
    ident = identify_return(
        raw,
        ctx.partnership,
        ctx.catalogue,
        key=ctx.key,
        workspace_id=ctx.workspace_id,
        audit_id=audit_id,
        agency_key=agency_key,
    )
    audit = ctx.catalogue.get(ident.audit_id)
    return normalise_return(raw, audit, ident), raw.notes


def _rejection(exc: BaseException) -> tuple[str, str, tuple[str, ...]]:
    """Reason, advice and what was tried, for any failure to read a file."""
    if isinstance(exc, ReturnRejected):
        return exc.reason, exc.advice, tuple(getattr(exc, "tried", ()))
    if isinstance(exc, QapError):
        return exc.format_message(), "", ()
    if isinstance(exc, MemoryError):
        return "The file is too large or complex to read safely.", DAMAGED_ADVICE, ()
    return (
        f"qap could not read this file ({type(exc).__name__}).",
        "Ask the agency to open the return, save it again as .docx or .xlsx and resend it.",
        (),
    )


def _finish(
    ctx: Context,
    ledger: Ledger,
    claimed: Claimed,
    record: FileRecord,
    stored: StoredReturn | None = None,
) -> Outcome:
    """Write the receipt or note for a recorded file and give the original its final name.

    `stored` is the return just recorded, when there is one; after a crash it is read back.
    """
    receipt = ""
    issues = 0
    kind = RETURN_FORM
    if record.outcome == ACCEPTED:
        from pipeline.receipts import write_receipt

        stored = stored or ledger.return_for_file(record.file_id)
        assert stored is not None
        previous = ledger.previous_received_at(
            stored.data.audit_id, stored.data.agency_key, stored.received_at
        )
        try:
            path = write_receipt(ctx.workspace, stored, ctx.partnership, ctx.catalogue, previous)
            receipt = path.relative_to(ctx.workspace.root).as_posix()
        except Exception as exc:  # a receipt is a courtesy; it must never hold up the original
            log.warning("receipt for %s not written (%s)", record.sha256[:12], type(exc).__name__)
        issues, kind = len(stored.data.issues), stored.data.kind
    elif record.outcome == QUARANTINED:
        note = quarantine_note(
            original_name=record.original_name,
            stored_name=Path(record.stored_path).name,
            received_at=record.received_at,
            sha256=record.sha256,
            reason=record.reason,
            advice=record.advice,
            tried=record.messages,
        )
        write_note(ctx.workspace.root / f"{record.stored_path}.txt", note)
    checkpoint("before-place")
    place(ctx.workspace, claimed, record.stored_path)
    checkpoint("after-place")
    ledger.mark_placed(record.file_id)
    outcome = Outcome(
        file_name=record.original_name,
        outcome=record.outcome,
        sha256=record.sha256,
        audit_id=record.audit_id,
        agency_key=record.agency_key,
        issues=issues,
        reason=record.reason,
        stored_path=record.stored_path,
        receipt=receipt,
        kind=kind,
    )
    log.info("%s", outcome.log_line())
    return outcome


def process_claimed(
    ctx: Context,
    ledger: Ledger,
    claimed: Claimed,
    *,
    audit_id: str | None = None,
    agency_key: str | None = None,
) -> Outcome:
    """Process a file already moved into processing; safe to call again after a crash."""
    existing = ledger.file_by_token(claimed.token)
    if existing is not None:
        return _finish(ctx, ledger, claimed, existing)
    sha = sha256_of(claimed.path)
    size = claimed.path.stat().st_size
    checkpoint("after-hash")
    base = NewFile(claimed.token, sha, claimed.original_name, claimed.received_at, size, "", "")
    stored: StoredReturn | None = None
    first = ledger.accepted_file(sha)
    if first is not None:
        when = first.received_at.astimezone()
        new = replace(
            base,
            outcome=DUPLICATE,
            stored_path=archive_name(
                ctx.workspace, claimed, sha, first.audit_id or "", first.agency_key or "", True
            ),
            reason=f"{first.original_name} received {when:%d %b %Y %H:%M}",
            audit_id=first.audit_id,
            agency_key=first.agency_key,
        )
        record = ledger.record(new)
    else:
        try:
            ret, notes = _read(ctx, claimed.path, audit_id, agency_key)
        except Exception as exc:  # every parser failure mode ends in quarantine, never a crash
            reason, advice, tried = _rejection(exc)
            log.info(
                "%s sha256=%s not read: %s", claimed.original_name, sha[:12], type(exc).__name__
            )
            new = replace(
                base,
                outcome=QUARANTINED,
                stored_path=quarantine_name(ctx.workspace, claimed, sha),
                reason=reason,
                advice=advice,
                messages=tried,
            )
            record = ledger.record(new)
        else:
            ret = replace(ret, file_name=claimed.original_name)
            new = replace(
                base,
                outcome=ACCEPTED,
                stored_path=archive_name(ctx.workspace, claimed, sha, ret.audit_id, ret.agency_key),
                messages=notes,
                audit_id=ret.audit_id,
                agency_key=ret.agency_key,
            )
            record, stored = ledger.record_accepted(new, ret)
    checkpoint("after-record")
    return _finish(ctx, ledger, claimed, record, stored)


def process_path(
    ctx: Context,
    ledger: Ledger,
    path: Path,
    *,
    audit_id: str | None = None,
    agency_key: str | None = None,
) -> Outcome | None:
    """Claim one inbox file and process it; None if another process took it first."""
    claimed = claim(ctx.workspace, path, utc_now())
    if claimed is None:
        return None
    checkpoint("after-claim")
    return process_claimed(ctx, ledger, claimed, audit_id=audit_id, agency_key=agency_key)


def recover(ctx: Context, ledger: Ledger) -> list[Outcome]:
    """Finish whatever an interrupted run left in processing; nothing lost, nothing counted twice."""
    from pipeline.store import claimed_files
    from pipeline.temps import sweep_temporaries

    workspace = ctx.workspace
    # Half-written reports, notes and trackers of a killed run: their writer can never finish them.
    sweep_temporaries(
        (workspace.outbox, workspace.quarantine, workspace.archive, workspace.private)
    )
    outcomes = []
    for claimed in claimed_files(ctx.workspace):
        log.info("recovering %s left in processing by an interrupted run", claimed.original_name)
        outcomes.append(process_claimed(ctx, ledger, claimed))
    for record in ledger.unplaced():
        # Crashed after the final link but before the ledger noted it.
        if (ctx.workspace.root / record.stored_path).is_file():
            ledger.mark_placed(record.file_id)
        else:
            log.error(
                "file %s sha256=%s is recorded but missing",
                record.original_name,
                record.sha256[:12],
            )
    return outcomes
