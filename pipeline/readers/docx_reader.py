"""The generic Word reader: answers in tables, legacy form fields, content controls or paragraphs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pipeline.model import RawReturn
from pipeline.readers.docx_styles import StyleLevels
from pipeline.readers.docx_tables import TableData, as_table, body_blocks, table_grid
from pipeline.readers.docx_xml import (
    TextReader,
    heading_level,
    joined_paragraphs,
    main_part,
)
from pipeline.readers.grid import Findings, Layout, interpret_grid
from pipeline.readers.package import Package, open_package
from pipeline.readers.vocab import LEAD_QID, case_heading, split_label

log = logging.getLogger(__name__)

ANSWER_PREFIX = re.compile(r"^(?:answer|response|a)\s*[:.\-]\s*", re.I)
INLINE_ANSWER = re.compile(r"\s*\b(?:answer|response)\s*:\s*", re.I)
MIN_QUESTION = 12


class _Paragraphs:
    """Questions written as paragraphs: "1.1 Question?" then answer paragraphs until the next one."""

    def __init__(self, found: Findings) -> None:
        self.found = found
        self.pending: tuple[str | None, str | None, list[str], str] | None = None
        self.case_level: int | None = None
        self.count = 0
        self.seen_text = False

    def flush(self) -> None:
        if self.pending is not None:
            qid, question, lines, where = self.pending
            self.found.answer(qid, question, "\n".join(lines), where)
            self.count += 1
            self.pending = None

    def answer_box(self, table: TableData) -> bool:
        """A one-cell table right after a question is its answer box (the lines between were help)."""
        if self.pending is None or any(len(row.cells) > 1 for row in table.rows):
            return False
        qid, question, _, where = self.pending
        text = "\n".join(row.cells[0][0] for row in table.rows if row.cells and row.cells[0][0])
        self.pending = (qid, question, [text] if text else [], where)
        self.flush()
        return True

    def feed(self, text: str, level: int | None, where: str) -> None:
        text = text.strip()
        if not text:
            return
        first = not self.seen_text
        self.seen_text = True
        heading = case_heading(text) if level is not None or len(text) <= 40 else None
        if heading is not None:
            self.flush()
            self.found.case_context = heading[0]
            self.case_level = 99 if level is None else level
            if heading[1]:
                self.found.case_ref(*heading)
            return
        if level is not None:
            self.flush()
            if self.case_level is not None and level <= self.case_level:
                self.found.case_context = self.case_level = None
            if "title" not in self.found.labels and (level <= 1 or first):
                self.found.label("title", text)
            return
        pair = split_label(text)
        if pair is not None and (self.pending is None or self.pending[2]):
            self.flush()
            self.found.label(*pair)
            return
        lead = LEAD_QID.match(text)
        if lead and len(lead.group(2)) >= MIN_QUESTION:
            self.flush()
            question, answer = _split_inline(lead.group(2))
            self.pending = (lead.group(1), question, [answer] if answer else [], where)
            return
        if text.endswith("?") and len(text) >= MIN_QUESTION:
            self.flush()
            self.pending = (None, text, [], where)
            return
        if self.pending is not None:
            self.pending[2].append(ANSWER_PREFIX.sub("", text, count=1))
        elif first and "title" not in self.found.labels:
            self.found.label("title", text)


def _split_inline(text: str) -> tuple[str, str]:
    """("Question?", "Yes") from "Question? Answer: Yes"."""
    parts = INLINE_ANSWER.split(text, maxsplit=1)
    return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (text.strip(), "")


def read_docx_return(source: Path | Package) -> RawReturn:
    """Everything a Word return says, whatever the layout; call after the pre-check."""
    found = Findings()
    reader = TextReader()
    paragraphs = _Paragraphs(found)
    layout = Layout()
    tables = 0
    table_rows = 0
    queue: list[TableData] = []
    p_index = 0
    with open_package(source) as package:
        levels = StyleLevels(package)
        blocks = body_blocks(package, main_part(package), reader)
        for block in joined_paragraphs(reader, blocks):
            if isinstance(block, tuple):
                p_index += 1
                level = heading_level(block[1], levels)
                paragraphs.feed(block[0], level, f"paragraph {p_index}")
                continue
            table = as_table(reader, block)
            if paragraphs.answer_box(table):
                continue
            paragraphs.flush()
            queue.append(table)
            while queue:
                table = queue.pop(0)
                tables += 1
                before = _answer_count(found)
                layout = interpret_grid(table_grid(table, tables), found, layout)
                table_rows += _answer_count(found) - before
                queue.extend(nested for row in table.rows for nested in row.nested)
    paragraphs.flush()
    style = _style(reader, table_rows, paragraphs.count)
    name = package.path.name
    log.info("read %s as a Word return (%s, %d tables)", name, style, tables)
    return found.build(name, "docx", style)


def _answer_count(found: Findings) -> int:
    return len(found.rows) + sum(len(answers) for _, answers in found.cases.values())


def _style(reader: TextReader, table_rows: int, paragraph_rows: int) -> str:
    if reader.features["legacy-fields"]:
        return "legacy-fields"
    if reader.features["content-controls"]:
        return "content-controls"
    if paragraph_rows > table_rows:
        return "paragraphs"
    return "table"
