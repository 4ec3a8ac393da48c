"""Keeping the demo to its own files: a marker in .qap/ lists what the demo made, and the demo
refuses any workspace holding returns or outputs it did not make.

A workspace is the demo's when it carries the marker, or when it has never received a return
(the sample workspace of a fresh clone, or a new `qap init` folder). Only then does the demo
clear what it owns before running again: the inbox files it dropped, the archive, quarantine,
ledger, issued forms, reports, receipts and tracker. qap.toml and templates/ are never touched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import WorkspaceError
from pipeline.inbox import ignored
from pipeline.lock import workspace_lock
from pipeline.store import sha256_of
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

MARKER = "demo.json"
KEPT = (".gitkeep", "README.md")
# qap's own state in .qap/ that a demo run creates and the next one starts without.
PRIVATE_STATE = ("ledger.sqlite", "tracker.sqlite", "forms-issued.json", "chart-cache")
OUTBOX_OUTPUTS = ("forms", "reports", "receipts")
SHOWN = 3


def marker_path(workspace: Workspace) -> Path:
    """The file that marks a workspace as the demo's and lists the files the demo made."""
    return workspace.private / MARKER


def _made(workspace: Workspace) -> set[str] | None:
    """SHA-256 of every file the demo made here, or None when this is not (yet) a demo workspace."""
    path = marker_path(workspace)
    if not path.is_file():
        return None
    try:
        return set(json.loads(path.read_text(encoding="utf-8"))["files"])
    except (ValueError, KeyError, TypeError):
        raise WorkspaceError(
            f"{path} is damaged, so qap cannot tell which files the demo made. Run the demo in a "
            "fresh folder: `qap init DIR` then `qap --workspace DIR demo`."
        ) from None


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _returns_held(workspace: Workspace) -> list[Path]:
    """Files that are, or were, returns: the inbox, files being processed, archive, quarantine."""
    inbox = [
        p
        for p in _files(workspace.inbox)
        if p.parent == workspace.inbox and p.name not in KEPT and not ignored(p.name)
    ]
    quarantine = [
        p
        for p in _files(workspace.quarantine)
        if not (p.suffix == ".txt" and p.with_suffix("").is_file())
    ]
    return [*inbox, *_files(workspace.processing), *_files(workspace.archive), *quarantine]


def _outputs(workspace: Workspace) -> list[Path]:
    """What a coordinator's own runs leave: issued forms, reports, receipts, the tracker."""
    found = [p for p in _files(workspace.outbox) if p.name not in KEPT]
    tracker = workspace.tracker_path()
    if tracker.is_file() and tracker not in found:
        found.append(tracker)
    return found


def foreign_files(workspace: Workspace) -> list[Path]:
    """Files in the workspace that the demo did not make (empty when the demo may run here)."""
    made = _made(workspace)
    held = _returns_held(workspace)
    if made is None:
        return held + _outputs(workspace)
    return [p for p in held if sha256_of(p) not in made]


def refusal(workspace: Workspace, found: list[Path]) -> str:
    """Why the demo will not run here and what to do instead."""
    names = [p.relative_to(workspace.root).as_posix() for p in found[:SHOWN]]
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return (
        f"{workspace.root} holds files the demo did not make ({', '.join(names)}{more}), so "
        "`qap demo` will not touch it. Run the demo in a fresh folder: "
        "`qap init DIR` then `qap --workspace DIR demo`."
    )


def _refuse_foreign(workspace: Workspace) -> None:
    found = foreign_files(workspace)
    if found:
        log.info("demo refused: %d files it did not make", len(found))
        raise WorkspaceError(refusal(workspace, found))


def _remove(path: Path) -> bool:
    if path.is_dir():
        shutil.rmtree(path)
        return True
    if path.exists():
        path.unlink()
        return True
    return False


def _clear(workspace: Workspace) -> bool:
    """Remove everything a previous demo run made; True if there was anything to remove."""
    removed = False
    for path in _returns_held(workspace):
        removed |= _remove(path)
    for folder in (workspace.archive, workspace.quarantine, workspace.processing):
        for child in folder.iterdir() if folder.is_dir() else ():
            removed |= _remove(child)
    for name in PRIVATE_STATE:
        for path in workspace.private.glob(f"{name}*"):
            removed |= _remove(path)
    for name in OUTBOX_OUTPUTS:
        removed |= _remove(workspace.outbox / name)
    tracker = workspace.tracker_path()
    for path in (
        tracker,
        tracker.with_name(f"{tracker.stem}.pending{tracker.suffix}"),
        tracker.with_name(f"{tracker.stem}-backups"),
    ):
        removed |= _remove(path)
    return removed


def _save(workspace: Workspace, made: Iterable[str]) -> None:
    path = marker_path(workspace)
    temp = path.with_name(f".{MARKER}.tmp")
    data = {"made_by": "qap demo", "files": sorted(made)}
    temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)


def claim_for_demo(workspace: Workspace) -> bool:
    """Refuse a workspace with files the demo did not make; else clear the last demo and mark it.

    Returns True when a previous demo's files were cleared.
    """
    # Checked before taking the lock too, so a refused workspace is left exactly as it was.
    _refuse_foreign(workspace)
    with workspace_lock(workspace):
        _refuse_foreign(workspace)
        cleared = _clear(workspace)
        _save(workspace, ())
    log.info("demo workspace ready (previous demo cleared: %s)", cleared)
    return cleared


def remember(workspace: Workspace, paths: Iterable[Path]) -> None:
    """Add files to the list of what the demo made, before they go anywhere a coordinator looks."""
    made = _made(workspace) or set()
    _save(workspace, made | {sha256_of(p) for p in paths})
