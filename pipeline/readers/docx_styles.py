"""Heading levels of a Word return's paragraph styles (Title 0, Heading 1 is 1...), from styles.xml.

A styles part is often far larger than the text (python-docx's template writes 350 kB) while a
return names a handful of styles, so `StyleLevels` parses only the <w:style> elements a
paragraph asks about, cut from the part's bytes. That is exact only for a part of plain shape:
UTF-8; no comments, CDATA or processing instructions (so every "<" opens a tag); the
WordprocessingML namespace named once, as w: on the root; styles not nested; ids without
entity references or white space. Any other part is parsed whole (the documented fallback,
which a test shows agrees). One difference is deliberate: damage in a style no paragraph uses
is not noticed, as Word itself would repair it.

Most returns name only Word's built-in title and heading styles, whose ids Word (and LibreOffice
and Google Docs) write as Title and Heading1..Heading9 under the fixed names "Title" and
"heading N": those ids are read as their levels without cutting styles.xml (its bytes are still
read, so damage is reported). A second deliberate difference follows: a file that names such an
id without defining it, or defines it under another heading's name, is read by the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from lxml import etree

from pipeline.readers.docx_xml import VAL, W_NS, parser, w
from pipeline.readers.package import Package

STYLES_PART = "word/styles.xml"
ATTRIBUTES = rb"""(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*"""
STYLE_START = re.compile(rb"<w:style(" + ATTRIBUTES + rb")\s*(/?)>")
# Every style start or end tag, in one pass.
STYLE_TAG = re.compile(rb"<(/)?w:style(?:\s*>|[\s/>])")
STYLE_ID = re.compile(rb"""\sw:styleId\s*=\s*(?:"([^"]*)"|'([^']*)')""")
ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)" + ATTRIBUTES + rb"\s*>")
W_DECLARED = re.compile(rb"""\sxmlns:w\s*=\s*(["'])""" + re.escape(W_NS.encode()) + rb"\1")
SPACE = re.compile(rb"\s*")
# An id with an entity reference or white space reads differently once parsed.
UNPLAIN = re.compile(rb"[&\s]")
DECLARATION = re.compile(rb"""^<\?xml[^>]*?\?>""")
UTF8 = re.compile(rb"""encoding\s*=\s*["']utf-?8["']""", re.I)
# Word keeps these ids' names and outline levels fixed (its dialog will not change them).
BUILT_IN = {"Title": 0, **{f"Heading{n}": n for n in range(1, 10)}}


def style_level(style: Any) -> tuple[str, int] | None:
    """A <w:style>'s id and heading level, when it is a title, a heading or has an outline level."""
    style_id = style.get(w("styleId")) or ""
    name_el = style.find(w("name"))
    style_name = (name_el.get(VAL) or "") if name_el is not None else ""
    match = re.match(r"heading\s*(\d)", style_name, re.I) or re.match(r"Heading(\d)", style_id)
    outline = style.find(f"{w('pPr')}/{w('outlineLvl')}")
    if style_name.lower() == "title" or style_id == "Title":
        return style_id, 0
    if match:
        return style_id, int(match.group(1))
    if outline is not None and (outline.get(VAL) or "").isdigit():
        return style_id, int(outline.get(VAL) or 0) + 1
    return None


def all_levels(data: bytes) -> dict[str, int]:
    """Every style's heading level, from the whole part (a later definition of an id wins)."""
    levels: dict[str, int] = {}
    for style in etree.fromstring(data, parser()).iter(w("style")):
        found = style_level(style)
        if found is not None:
            levels[found[0]] = found[1]
    return levels


def _after_lt(data: bytes, char: bytes, start: int) -> bool:
    """Whether `char` follows a "<" anywhere from `start`."""
    at = data.find(char, start)
    while at >= 0:
        if data[at - 1 : at] == b"<":
            return True
        at = data.find(char, at + 1)
    return False


class _Cut:
    """Where each style of a plain-shaped part lies in its bytes, by the raw id."""

    def __init__(self, data: bytes, head: bytes, tail: bytes, spans: dict[bytes, list[slice]]):
        self.data = data
        self.head = head
        self.tail = tail
        self.spans = spans

    @classmethod
    def of(cls, data: bytes) -> _Cut | None:
        """The cut of a part, or None when its shape does not make cutting exact."""
        body = data.removeprefix(b"\xef\xbb\xbf")
        declared = DECLARATION.match(body)
        if declared and b"encoding" in declared.group() and not UTF8.search(declared.group()):
            return None
        skip = len(data) - len(body) + (declared.end() if declared else 0)
        # "!" and "?" are rare bytes, so these find any comment, CDATA or instruction fast.
        if _after_lt(data, b"!", skip) or _after_lt(data, b"?", skip):
            return None
        root = ROOT.match(data, SPACE.match(data, skip).end())  # type: ignore[union-attr]
        if root is None or not W_DECLARED.search(root.group()):
            return None
        # Every namespace declared on the root alone: w means Word's namespace everywhere.
        names = root.group()
        if data.count(b"xmlns") != names.count(b"xmlns") or re.search(rb"\sxmlns\s*=", names):
            return None
        if names.count(W_NS.encode()) != 1:
            return None
        return cls._spans(data, root)

    @classmethod
    def _spans(cls, data: bytes, root: re.Match[bytes]) -> _Cut | None:
        spans: dict[bytes, list[slice]] = {}
        open_at, open_id = -1, b""
        for tag in STYLE_TAG.finditer(data, root.end()):
            if tag.group(1):  # </w:style>
                if open_at < 0:
                    return None
                spans.setdefault(open_id, []).append(slice(open_at, tag.end()))
                open_at = -1
                continue
            start = STYLE_START.match(data, tag.start())
            if open_at >= 0 or start is None:
                return None  # a style inside another, or a start tag not read whole
            found = STYLE_ID.search(start.group(1))
            raw = (found.group(1) or found.group(2) or b"") if found else b""
            if not raw or UNPLAIN.search(raw):
                return None
            if start.group(2):
                spans.setdefault(raw, []).append(slice(tag.start(), start.end()))
            else:
                open_at, open_id = tag.start(), raw
        if open_at >= 0:
            return None
        return cls(data, root.group(), f"</{root.group(1).decode()}>".encode(), spans)

    def level(self, style_id: str) -> tuple[bool, int | None]:
        """(True, level) from the styles with this id; (False, None) if one will not parse alone."""
        level = None
        for span in self.spans.get(style_id.encode(), []):
            try:
                root = etree.fromstring(self.head + self.data[span] + self.tail, parser())
            except etree.XMLSyntaxError:
                return False, None
            found = style_level(root[0])
            if found is not None:
                level = found[1]
        return True, level


class StyleLevels(Mapping[str, int]):
    """Style id -> heading level, read from styles.xml only as far as the ids asked about."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self._data: bytes | None = None
        self._full: dict[str, int] | None = None
        self._known: dict[str, int | None] = {}

    def _load(self) -> bytes:
        if self._data is None:
            names = self.package.names
            self._data = self.package.read(STYLES_PART) if STYLES_PART in names else b""
        return self._data

    @cached_property
    def _cut(self) -> _Cut | None:
        data = self._load()
        return _Cut.of(data) if data else None

    def _everything(self) -> dict[str, int]:
        if self._full is None:
            data = self._load()
            self._full = all_levels(data) if data else {}
        return self._full

    def _level(self, style_id: str) -> int | None:
        if style_id not in self._known:
            # Read even for a built-in id, though not cut: a document that names a style needs
            # the part, so damage in it is reported as for any other part the reader reads.
            data = self._load()
            level = BUILT_IN.get(style_id)
            if level is None:
                exact, level = (
                    self._cut.level(style_id) if self._cut and style_id else (False, None)
                )
                if not exact and data:
                    level = self._everything().get(style_id)
            self._known[style_id] = level
        return self._known[style_id]

    def __getitem__(self, style_id: str) -> int:
        level = self._level(style_id)
        if level is None:
            raise KeyError(style_id)
        return level

    def __contains__(self, style_id: object) -> bool:
        return isinstance(style_id, str) and self._level(style_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())
