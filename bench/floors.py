"""The floors qap is measured against: the least work any program could do with the same file.

- a return: open the zip and parse, with lxml, the XML parts any reader of it must parse: the
  content types (what the file is), the custom properties (qap's identity, when present), and
  the parts holding the answers (word/document.xml; xl/workbook.xml, xl/sharedStrings.xml and
  every worksheet) -- not the styles, theme or settings, which no answer lives in;
- a return kept safe (a second floor for the whole ingest, shown beside the first): the same
  parse, plus what any program must do so a power cut loses nothing: a copy of the file flushed
  to disk with its folder, and one row committed to SQLite (WAL, synchronous=FULL) in a
  connection opened and closed for the file, as a one-off `qap ingest` does;
- a report: a bare docxtpl render and save of the same template and context (charts already drawn);
- the tracker: re-zip the workbook's parts unchanged.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


_ALWAYS = ("[Content_Types].xml", "docProps/custom.xml", "word/document.xml", "xl/workbook.xml")


def content_part(name: str) -> bool:
    """Whether a reader of the return must parse this part to find its identity and answers."""
    if name in _ALWAYS or name == "xl/sharedStrings.xml":
        return True
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def parse_package(path: Path) -> int:
    """Open the zip and parse its content parts; returns how many elements were parsed (so nothing is skipped)."""
    elements = 0
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            if content_part(info.filename):
                root = etree.fromstring(package.read(info), _PARSER)
                elements += 1 + len(root)
    return elements


def parse_and_keep(path: Path, folder: Path) -> int:
    """The parse, then the least work that keeps the file safe: an fsync'd copy and one durable row."""
    elements = parse_package(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{digest}{path.suffix}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    conn = sqlite3.connect(folder / "kept.sqlite", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS kept (sha256 TEXT PRIMARY KEY, name TEXT)")
        conn.execute("INSERT OR REPLACE INTO kept VALUES (?, ?)", (digest, path.name))
    finally:
        conn.close()
    return elements


def parse_all_parts(path: Path) -> int:
    """A looser floor, for comparison: parse every XML part of the package, styles and theme too."""
    elements = 0
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            if info.filename.endswith((".xml", ".rels")):
                elements += 1 + len(etree.fromstring(package.read(info), _PARSER))
    return elements


def library_open(path: Path) -> object:
    """The obvious route, for calibration: python-docx's Document() or openpyxl's load_workbook()."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        return load_workbook(path)
    import docx

    return docx.Document(str(path))


def rezip(source: Path, target: Path) -> int:
    """Copy every part of a workbook into a new zip, compressed as Excel does; returns its size."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    return target.stat().st_size


def _images(value: Any, template: Any, charts: dict[str, Path]) -> Any:
    """The context with each chart spec replaced by its already-drawn PNG as an InlineImage."""
    from docx.shared import Mm
    from docxtpl import InlineImage

    from pipeline.report.charts import ChartSpec

    if isinstance(value, ChartSpec):
        return InlineImage(template, str(charts[value.key()]), width=Mm(150))
    if isinstance(value, dict):
        return {k: _images(v, template, charts) for k, v in value.items()}
    if isinstance(value, list):
        return [_images(v, template, charts) for v in value]
    return value


def chart_files(context: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Draw every chart of a context once (untimed), keyed by the chart's data hash."""
    from pipeline.report.charts import ChartSpec, chart_png

    found: dict[str, Path] = {}

    def walk(value: Any) -> None:
        if isinstance(value, ChartSpec):
            found[value.key()] = chart_png(value, folder)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(context)
    return found


def bare_render(template_path: Path, context: dict[str, Any], charts: dict[str, Path]) -> int:
    """docxtpl alone: open the template, render the context (autoescaped), save; returns the size."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(template_path))
    template.render(_images(context, template, charts), autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return len(buffer.getvalue())
