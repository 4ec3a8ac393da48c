"""Looking inside a tracker .xlsx without openpyxl: owner files, fingerprints, parts it would drop."""

from __future__ import annotations

import hashlib
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.tracker.columns import QAP_SHEETS

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Parts openpyxl cannot carry through a load and save, and what to call them in a message.
DROPPED = (
    (re.compile(r"^xl/(charts|chartsheets)/"), "a chart"),
    (re.compile(r"^xl/media/"), "a picture"),
    (re.compile(r"^xl/drawings/drawing\d+\.xml$"), "a drawing (chart, picture or shape)"),
    (re.compile(r"^xl/pivot(Tables|Cache)/"), "a pivot table"),
    (re.compile(r"^xl/(slicers|slicerCaches|timelines|timelineCaches)/"), "a slicer or timeline"),
    (re.compile(r"^customXml/"), "custom XML data"),
    (re.compile(r"^xl/vbaProject\.bin$"), "macros"),
    (re.compile(r"^xl/(activeX|ctrlProps|embeddings)/"), "a form control or embedded object"),
    (re.compile(r"^xl/(threadedComments|persons)/"), "threaded comments"),
    (re.compile(r"^xl/(model|queryTables)/|^xl/connections\.xml$"), "a data connection or query"),
)
# Excel 2010 features kept in a sheet's extLst, which openpyxl removes on save.
EXTENSIONS = (
    (b"x14:dataValidation", "a drop-down list that refers to another sheet"),
    (b"x14:conditionalFormatting", "Excel 2010 conditional formatting (data bars or icon sets)"),
    (b"x14:sparklineGroup", "sparklines"),
    (b"x14:slicerList", "a slicer"),
)


@dataclass(frozen=True)
class Fingerprint:
    """Size, modification time and content hash: enough to notice that someone saved meanwhile."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's fingerprint, or None when it does not exist."""
    try:
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    return Fingerprint(stat.st_size, stat.st_mtime_ns, digest)


def owner_files(path: Path) -> list[Path]:
    """Excel's `~$name` and LibreOffice's `.~lock.name#` beside the workbook: it is open."""
    candidates = (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#"))
    return [p for p in candidates if p.exists()]


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels_of(package: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, resolved target) of each relationship of a part."""
    from lxml import etree

    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    try:
        data = package.read(name)
    except KeyError:
        return []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    return [
        (rel.get("Id", ""), rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship")
        if rel.get("TargetMode") != "External"
    ]


def qap_parts(package: zipfile.ZipFile) -> set[str]:
    """Parts hanging off the sheets qap rebuilds (its Summary chart), which it may drop freely."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    workbook = etree.fromstring(package.read("xl/workbook.xml"), parser)
    targets = {rid: target for rid, _, target in _rels_of(package, "xl/workbook.xml")}
    ours: set[str] = set()
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        if sheet.get("name") not in QAP_SHEETS:
            continue
        pending = [targets.get(sheet.get(f"{{{REL_NS}}}id", ""), "")]
        while pending:
            part = pending.pop()
            for _, _, target in _rels_of(package, part):
                if target not in ours:
                    ours.add(target)
                    pending.append(target)
    return ours


def dropped_features(path: Path) -> list[str]:
    """What the group added that a load-and-save would lose, e.g. 'a picture (xl/media/image1.png)'."""
    found: list[str] = []
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        ours = qap_parts(package)
        for name in names:
            if name in ours or "/_rels/" in name:
                continue
            for pattern, what in DROPPED:
                if pattern.search(name):
                    found.append(f"{what} ({name})")
                    break
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                data = package.read(name)
                found.extend(f"{what} ({name})" for marker, what in EXTENSIONS if marker in data)
    return found
