"""The tracker .xlsx held in memory as its zip parts, with the XML qap reads and patches parsed by lxml.

Only the workbook, its relationships, the styles, the shared strings and the Tracker sheet are
parsed; every other part stays as bytes so a write can copy it unchanged.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.tracker.sheet_memo import stored_digest

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
M = f"{{{MAIN_NS}}}"
R_ID = f"{{{REL_NS}}}id"
OFFICE_DOCUMENT = f"{REL_NS}/officeDocument"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# A tracker is the group's own file, but still parsed without entities, DTDs or network.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes) -> etree._Element:
    """One XML part, parsed safely."""
    return etree.fromstring(data, PARSER)


def to_xml(root: etree._Element) -> bytes:
    """A part's XML with the declaration Excel writes (double quotes, standalone)."""
    return DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def resolve(base_part: str, target: str) -> str:
    """A relationship target as a part name inside the zip."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def rels_name(part: str) -> str:
    """The relationships part of a part: xl/workbook.xml -> xl/_rels/workbook.xml.rels."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


@dataclass
class SheetEntry:
    """A sheet as the workbook lists it: its name, relationship id and part name."""

    name: str
    rid: str
    part: str


class Book:
    """An .xlsx in memory: raw parts on demand, and the workbook-level XML parsed."""

    def __init__(self, data: bytes, *, rebuilt: bool = False) -> None:
        self.data = data
        # Made (or remade around a new Tracker sheet) by openpyxl, which drops what it cannot read.
        self.rebuilt = rebuilt
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = self.zip.namelist()
        self.workbook_part = self._main_part()
        self.workbook = parse_xml(self.read(self.workbook_part))
        self.workbook_rels = parse_xml(self.read(rels_name(self.workbook_part)))
        targets = {
            rel.get("Id", ""): (
                rel.get("Type", ""),
                resolve(self.workbook_part, rel.get("Target", "")),
            )
            for rel in self.workbook_rels
            if rel.get("TargetMode") != "External"
        }
        self.targets = targets
        self.sheets = [
            SheetEntry(
                s.get("name", ""), s.get(R_ID, ""), targets.get(s.get(R_ID, ""), ("", ""))[1]
            )
            for s in self.workbook.iter(f"{M}sheet")
        ]

    @classmethod
    def open(cls, path: Path) -> Book:
        """The workbook at `path`."""
        return cls(path.read_bytes())

    def read(self, part: str) -> bytes:
        """The bytes of one part (KeyError when the package has no such part)."""
        return self.zip.read(part)

    def stored_digest(self, part: str) -> bytes | None:
        """A digest of one part as stored in the zip (see sheet_memo.stored_digest)."""
        return stored_digest(self.data, self.zip.getinfo(part))

    def has(self, part: str) -> bool:
        """Whether the package holds this part."""
        return part in self.names

    def _main_part(self) -> str:
        root = parse_xml(self.read("_rels/.rels"))
        for rel in root:
            if rel.get("Type") == OFFICE_DOCUMENT:
                return resolve("", rel.get("Target", ""))
        raise KeyError("no officeDocument relationship")

    def part_of_type(self, suffix: str) -> str | None:
        """The workbook-level part whose relationship type ends with `suffix` (styles, sharedStrings)."""
        for kind, part in self.targets.values():
            if kind.endswith("/" + suffix):
                return part
        return None

    def sheet(self, name: str) -> SheetEntry | None:
        """The sheet with this name, or None."""
        return next((s for s in self.sheets if s.name == name), None)

    @property
    def date1904(self) -> bool:
        """Whether date serials count from 1904 (old Mac workbooks)."""
        pr = self.workbook.find(f"{M}workbookPr")
        return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")


def strings_of(book: Book) -> list[str]:
    """The shared strings table as plain text (phonetic runs left out, as Excel shows them)."""
    part = book.part_of_type("sharedStrings")
    if part is None or not book.has(part):
        return []
    return [text_of(si) for si in parse_xml(book.read(part))]


def text_of(element: etree._Element) -> str:
    """The text of an <si> or <is>: its <t>, or the <t> of each rich-text run."""
    texts = []
    for child in element:
        if child.tag == f"{M}t":
            texts.append(child.text or "")
        elif child.tag == f"{M}r":
            run = child.find(f"{M}t")
            if run is not None:
                texts.append(run.text or "")
    return "".join(texts)
