"""The Tracker sheet's memo: the spans and digests a scan would find, used only for the part qap saved."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from pipeline.tracker.book import Book
from pipeline.tracker.columns import TRACKER_SHEET
from pipeline.tracker.registry import open_registry
from pipeline.tracker.service import apply_returns
from pipeline.tracker.sheet_memo import SheetMemo, stored_digest
from pipeline.tracker.sheet_read import _digests, read_sheet
from pipeline.tracker.sheet_rows import RowStore
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, corrected, police_and_health, stored_return


def _scanned(workspace: Workspace) -> tuple[Book, str, RowStore, bytes]:
    book = Book.open(workspace.tracker_path())
    entry = book.sheet(TRACKER_SHEET)
    assert entry is not None
    raw = book.read(entry.part)
    context = read_sheet(book, entry.part, {}).context
    assert context is not None
    return book, entry.part, RowStore(raw), context


def _memo(workspace: Workspace) -> SheetMemo | None:
    with open_registry(workspace) as registry:
        return registry.sheet_memo()


def _assert_memo_is_the_scan(workspace: Workspace) -> None:
    memo = _memo(workspace)
    assert memo is not None
    book, part, store, context = _scanned(workspace)
    assert memo.holds(book.stored_digest(part), context)
    assert dict(memo.spans) == store.spans
    assert dict(memo.digests) == _digests(store.raw, store, context)


def test_the_memo_after_each_write_is_what_a_scan_of_the_saved_sheet_finds(
    workspace: Workspace,
) -> None:
    returns = police_and_health()
    apply_returns(workspace, returns, [], today=TODAY)
    _assert_memo_is_the_scan(workspace)
    # A later run patches rows in place and adds one: spans shift, digests change.
    police = returns[0].data
    actions = (replace(police.actions[0], owner="A longer owner name: DCI Example"),)
    changed = [
        corrected(returns[0], replace(police, actions=actions + police.actions[1:]), days=0),
        *returns[1:],
        stored_return("police", [("A new action typed in the middle", "DI Ray", None)]),
    ]
    result = apply_returns(workspace, changed, [], today=TODAY)
    assert result.written and result.added == 1 and result.updated == 1
    _assert_memo_is_the_scan(workspace)


def test_a_sheet_the_group_saved_is_scanned_not_taken_from_the_memo(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    before = _memo(workspace)
    assert before is not None
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    book[TRACKER_SHEET]["G2"] = "A new owner the group typed"
    book.save(path)
    saved, part, store, _ = _scanned(workspace)
    assert not before.holds(saved.stored_digest(part))
    with open_registry(workspace) as registry:
        sheet = read_sheet(saved, part, registry.row_reads(), registry.sheet_memo())
    assert dict(sheet.elements.spans) == store.spans
    assert sheet.rows[0].get("owner") == "A new owner the group typed"
    result = apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert result.written
    _assert_memo_is_the_scan(workspace)


def test_a_memo_of_other_styles_or_strings_gives_no_digests(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    memo = _memo(workspace)
    assert memo is not None
    book, part, store, context = _scanned(workspace)
    other = replace(memo, context=b"\0" * 16, digests=dict.fromkeys(memo.digests, b"\1" * 16))
    sheet = read_sheet(book, part, {}, other)
    assert sheet.digests == _digests(store.raw, store, context)


def test_the_memo_is_stored_and_read_back_whole() -> None:
    memo = SheetMemo(b"p" * 16, b"c" * 16, {1: (10, 20), 2: (20, 35)}, {1: b"a" * 16, 2: b"b" * 16})
    again = SheetMemo.from_blobs(*memo.to_blobs())
    assert again == memo
    part, context, numbers, starts, ends, digests = memo.to_blobs()
    with pytest.raises(ValueError):
        SheetMemo.from_blobs(part, context, numbers, starts, ends, digests[:-1])
    assert memo.holds(b"p" * 16) and not memo.holds(None)
    assert not memo.holds(b"p" * 16, b"x" * 16)


def _zip(text: bytes, level: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        out.writestr("a.xml", b"<x/>")
        out.writestr("sheet.xml", text)
    return buffer.getvalue()


def _digest(data: bytes) -> bytes | None:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return stored_digest(data, package.getinfo("sheet.xml"))


def test_a_stored_digest_tells_parts_apart_without_inflating_them() -> None:
    one = _zip(b"<row r='1'/>" * 50, 2)
    assert _digest(one) == _digest(_zip(b"<row r='1'/>" * 50, 2))
    assert _digest(one) != _digest(_zip(b"<row r='2'/>" * 50, 2))
    # A broken local header is no digest at all.
    with zipfile.ZipFile(io.BytesIO(one)) as package:
        at = package.getinfo("sheet.xml").header_offset
    broken = one[:at] + b"XX" + one[at + 2 :]
    assert _digest(broken) is None
