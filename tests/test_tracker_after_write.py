"""Rows qap wrote, remembered from the save check's reads, read as a fresh read reads them."""

from __future__ import annotations

from pipeline.tracker.after_write import reads_after_write
from pipeline.tracker.book import Book
from pipeline.tracker.records import CellWrite, SheetRow
from pipeline.tracker.service import apply_returns
from pipeline.tracker.sheet_read import part_bytes, read_sheet
from pipeline.tracker.sheet_write import SheetPatch
from pipeline.tracker.styles_xml import Styles
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health


def test_rows_the_check_read_are_remembered_as_a_fresh_read_reads_them(
    workspace: Workspace,
) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    book = Book.open(workspace.tracker_path())
    entry = book.sheet("Tracker")
    assert entry is not None
    sheet = read_sheet(book, entry.part, {})
    patch = SheetPatch(sheet, Styles.parse(part_bytes(book, "styles")))
    rows = sorted(sheet.rows, key=lambda row: row.row)
    meant = []
    for number, row in enumerate(rows):
        patch.write(CellWrite(row.row, "owner", f"owner {number}"))
        meant.append(SheetRow(row.row, {**row.values, "owner": f"owner {number}"}))
    # A row whose cells carry no references is read afresh, not taken from the check.
    bare = patch.cells_of(rows[0].row)
    patch.check(meant)
    for cell in bare.values():
        del cell.attrib["r"]
    patch.to_bytes()
    styles = part_bytes(book, "styles")
    fresh = reads_after_write(sheet, book, styles)
    reused = reads_after_write(sheet, book, styles, patch.checked)
    assert len(fresh[0]) == len(rows), (len(sheet.digests), len(sheet.elements.emitted))
    assert reused == fresh
