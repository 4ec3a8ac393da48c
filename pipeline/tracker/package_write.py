"""The new tracker package: patched Tracker sheet, rebuilt qap sheets, every other part copied as is.

Parts the group added (pictures, charts, pivot tables, macros, other sheets) are copied byte for
byte; only the workbook, its relationships, content types, styles, the Tracker sheet and qap's
own sheets (with the Summary chart) are written anew.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.tracker.book import CT_NS, PKG_REL_NS, R_ID, Book, M, parse_xml, rels_name, to_xml
from pipeline.tracker.chart_xml import BarChart
from pipeline.tracker.columns import QAP_SHEETS, TRACKER_SHEET
from pipeline.tracker.grid_xml import Grid
from pipeline.tracker.package import qap_parts
from pipeline.tracker.styles_xml import Styles

# The sheet XML is the bulk of the work: level 2 deflates a 4 MB sheet four times faster than
# zlib's default level 6, into a part a third larger (level 1 is no faster and larger still).
COMPRESS_LEVEL = 2
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = f"{REL}/worksheet"
DRAWING_TYPE = f"{REL}/drawing"
CHART_TYPE = f"{REL}/chart"
CALC_CHAIN_TYPE = f"{REL}/calcChain"
CT = "application/vnd.openxmlformats-officedocument."
SHEET_CT = CT + "spreadsheetml.worksheet+xml"
DRAWING_CT = CT + "drawing+xml"
CHART_CT = CT + "drawingml.chart+xml"
# Children of <workbook> that come after <definedNames> in the schema.
AFTER_NAMES = (
    "calcPr",
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
)


@dataclass(frozen=True)
class QapSheet:
    """A rebuilt sheet and, for Summary, its chart."""

    grid: Grid
    chart: BarChart | None = None


def _xml(root: etree._Element) -> bytes:
    return to_xml(root)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


class PackageWriter:
    """Collects the parts of the new package, then writes them into a zip."""

    def __init__(self, book: Book, styles: Styles) -> None:
        self.book = book
        self.styles = styles
        self.parts: dict[str, bytes] = {}
        self.dropped: set[str] = set()
        self.types = parse_xml(book.read("[Content_Types].xml"))
        self.names = set(book.names)
        self.tracker_root: etree._Element | None = None
        # qap's sheets' parts, by sheet name.
        self.sheet_parts: dict[str, str] = {}
        # The package's bytes as save() last wrote them.
        self.saved = b""

    def _free(self, pattern: str) -> str:
        number = 1
        while (name := pattern.format(number)) in self.names or name in self.parts:
            number += 1
        self.names.add(name)
        return name

    def _override(self, part: str, content_type: str | None) -> None:
        for item in list(self.types):
            if _local(item) == "Override" and item.get("PartName", "").lstrip("/") == part:
                self.types.remove(item)
        if content_type:
            etree.SubElement(
                self.types, f"{{{CT_NS}}}Override", PartName="/" + part, ContentType=content_type
            )

    def _drop(self, part: str) -> None:
        self.dropped.update((part, rels_name(part)))
        self._override(part, None)

    def sheets(
        self, tracker_xml: bytes, tracker_root: etree._Element, qap: Sequence[QapSheet]
    ) -> None:
        """Place the Tracker sheet and qap's sheets, renumbering sheet-local names.

        `tracker_root` is the Tracker sheet without its rows, for its filter.
        """
        book = self.book
        tracker = book.sheet(TRACKER_SHEET)
        assert tracker is not None
        self.tracker_root = tracker_root
        self.parts[tracker.part] = tracker_xml
        for part in qap_parts(book.zip):
            self._drop(part)
        if book.part_of_type("calcChain"):
            # Cells qap rewrote may have held formulas; Excel rebuilds the chain when it is absent.
            self._drop(book.part_of_type("calcChain") or "")
            for rel in list(book.workbook_rels):
                if rel.get("Type") == CALC_CHAIN_TYPE:
                    book.workbook_rels.remove(rel)
        sheets_el = book.workbook.find(f"{M}sheets")
        assert sheets_el is not None
        old = list(sheets_el)
        old_names = [s.get("name", "") for s in old]
        order = [n for n in old_names]
        by_name = {s.get("name", ""): s for s in old}
        for index, name in enumerate(QAP_SHEETS, start=1):
            if name in order:
                order.remove(name)
            order.insert(min(index, len(order)), name)
        grids = {q.grid.name: q for q in qap}
        next_id = max((int(s.get("sheetId", "0")) for s in old), default=0) + 1
        for name in QAP_SHEETS:
            entry = book.sheet(name)
            if entry is None or not entry.part:
                element = etree.SubElement(sheets_el, f"{M}sheet", name=name, sheetId=str(next_id))
                next_id += 1
                part = self._free("xl/worksheets/sheet{}.xml")
                element.set(
                    R_ID, self._relate(book.workbook_rels, SHEET_TYPE, part, book.workbook_part)
                )
                self._override(part, SHEET_CT)
                by_name[name] = element
            else:
                part = entry.part
                by_name[name].attrib.pop("state", None)
                self.dropped.add(rels_name(part))
            self.sheet_parts[name] = part
            self._sheet(part, grids[name])
        for element in list(sheets_el):
            sheets_el.remove(element)
        for name in order:
            sheets_el.append(by_name[name])
        self._names(old_names, order, qap)
        self._views(order.index(TRACKER_SHEET))

    def _sheet(self, part: str, sheet: QapSheet) -> None:
        if sheet.chart is None:
            self.parts[part] = sheet.grid.to_xml()
            return
        drawing = self._free("xl/drawings/drawing{}.xml")
        chart = self._free("xl/charts/chart{}.xml")
        sheet_rels = _rels()
        sheet.grid.drawing_rid = self._relate(sheet_rels, DRAWING_TYPE, drawing, part)
        drawing_rels = _rels()
        chart_rid = self._relate(drawing_rels, CHART_TYPE, chart, drawing)
        self.parts[part] = sheet.grid.to_xml()
        self.parts[rels_name(part)] = _xml(sheet_rels)
        self.parts[drawing] = sheet.chart.drawing_xml(chart_rid)
        self.parts[rels_name(drawing)] = _xml(drawing_rels)
        self.parts[chart] = sheet.chart.chart_xml()
        self._override(drawing, DRAWING_CT)
        self._override(chart, CHART_CT)

    def _relate(self, rels: etree._Element, kind: str, target: str, source: str) -> str:
        used = {r.get("Id", "") for r in rels}
        number = len(used) + 1
        while f"rId{number}" in used:
            number += 1
        relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
        etree.SubElement(
            rels, f"{{{PKG_REL_NS}}}Relationship", Id=f"rId{number}", Type=kind, Target=relative
        )
        return f"rId{number}"

    def _names(self, old: list[str], order: list[str], qap: Sequence[QapSheet]) -> None:
        """Sheet-local names follow their sheet; qap's sheets and the Tracker filter are renamed anew."""
        workbook = self.book.workbook
        names = workbook.find(f"{M}definedNames")
        if names is None:
            names = etree.Element(f"{M}definedNames")
            later = [c for c in workbook if _local(c) in AFTER_NAMES]
            if later:
                later[0].addprevious(names)
            else:
                workbook.append(names)
        tracker = order.index(TRACKER_SHEET)
        for name in list(names):
            local = name.get("localSheetId")
            if local is None or not local.isdigit() or int(local) >= len(old):
                continue
            sheet = old[int(local)]
            ours = sheet in QAP_SHEETS or (
                sheet == TRACKER_SHEET and name.get("name") == "_xlnm._FilterDatabase"
            )
            if ours:
                names.remove(name)
            else:
                name.set("localSheetId", str(order.index(sheet)))
        wanted = [(order.index(q.grid.name), *n) for q in qap for n in q.grid.defined_names()]
        auto = self._tracker_filter()
        if auto:
            wanted.append((tracker, "_xlnm._FilterDatabase", auto, True))
        for local, name, value, hidden in wanted:
            element = etree.SubElement(names, f"{M}definedName", name=name, localSheetId=str(local))
            if hidden:
                element.set("hidden", "1")
            element.text = value

    def _tracker_filter(self) -> str | None:
        root = self.tracker_root
        auto = root.find(f"{M}autoFilter") if root is not None else None
        ref = auto.get("ref", "") if auto is not None else ""
        found = re.match(r"^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$", ref)
        if not found:
            return None
        a, b, c, d = found.groups()
        return f"'{TRACKER_SHEET}'!${a}${b}:${c or a}${d or b}"

    def _views(self, tracker_index: int) -> None:
        view = self.book.workbook.find(f"{M}bookViews/{M}workbookView")
        if view is not None:
            view.set("activeTab", str(tracker_index))
            if int(view.get("firstSheet", "0")) > tracker_index:
                view.set("firstSheet", "0")

    def save(self, target: Path, level: int = COMPRESS_LEVEL) -> None:
        """Write the package to `target`: new parts as built, every other part copied unchanged;
        the bytes written are kept as `saved`, for check_saved."""
        book = self.book
        self.parts[book.workbook_part] = _xml(book.workbook)
        self.parts[rels_name(book.workbook_part)] = _xml(book.workbook_rels)
        if self.styles.changed:
            styles = book.part_of_type("styles")
            assert styles is not None
            self.parts[styles] = self.styles.to_bytes()
        self.parts["[Content_Types].xml"] = _xml(self.types)
        now = dt.datetime.now().timetuple()[:6]
        written: set[str] = set()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
            for info in book.zip.infolist():
                name = info.filename
                if name in written or (name in self.dropped and name not in self.parts):
                    continue
                data = self.parts.get(name)
                item = zipfile.ZipInfo(name, info.date_time if data is None else now)
                item.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(item, book.read(name) if data is None else data, compresslevel=level)
                written.add(name)
            for name, data in self.parts.items():
                if name not in written:
                    item = zipfile.ZipInfo(name, now)
                    item.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(item, data, compresslevel=level)
        self.saved = buffer.getvalue()
        target.write_bytes(self.saved)


def _rels() -> etree._Element:
    return etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})


def check_saved(path: Path, written: bytes) -> Book:
    """The package saved at `path`, once the file is checked to hold exactly the bytes written
    (a short or failed write, or anyone else's write to the temp file, fails it)."""
    # Each part's deflate and CRC were made from the bytes zipfile was given; comparing the whole
    # file to them checks the write without inflating every part again.
    on_disk = path.read_bytes()
    if on_disk != written:
        raise zipfile.BadZipFile(
            f"{path.name} holds {len(on_disk)} bytes that differ from the {len(written)} written"
        )
    return Book(on_disk)
