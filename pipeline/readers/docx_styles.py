"""Heading levels of a Word return's paragraph styles (Title 0, Heading 1 is 1...), from styles.xml.

A styles part is often far larger than the text (python-docx's template writes 350 kB) while a
return names a handful of styles, so `StyleLevels` parses only the <w:style> elements a
paragraph asks about, found by searching the part's bytes for the quoted id and cut out. That
is exact only for a part of plain shape: UTF-8; no comments, CDATA or processing instructions
(so every "<" opens a tag); the WordprocessingML namespace named once, as w: on the root; no
id written with an entity reference. Any other part, or an id with white space or quotes, or a
style that holds another, is looked up in the part parsed whole (the documented fallback,
which tests show agrees). One difference is deliberate: damage in a style no paragraph uses
is not noticed, as Word itself would repair it.

Most returns name only Word's built-in title and heading styles, whose ids Word (and LibreOffice
and Google Docs) write as Title and Heading1..Heading9 under the fixed names "Title" and
"heading N": those ids are read as their levels without reading styles.xml at all (inflating
python-docx's 350 kB of styles only to check their CRC cost more than the rest of the read), so,
as for the theme or settings, damage in a styles part no paragraph needs goes unnoticed. A
second deliberate difference follows: a file that names such an id without defining it, or
defines it under another heading's name, is read by the id.
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
W_BYTES = W_NS.encode()
ATTRIBUTES = rb"""(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*"""
STYLE_START = re.compile(rb"<w:style(" + ATTRIBUTES + rb")\s*(/?)>")
STYLE_OPEN = re.compile(rb"<w:style[\s/>]")
STYLE_END = re.compile(rb"</w:style\s*>")
ATTRIBUTE = re.compile(rb"""\s+([^\s=<>/"']+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)" + ATTRIBUTES + rb"\s*>")
W_DECLARED = re.compile(rb"""\sxmlns:w\s*=\s*(["'])""" + re.escape(W_NS.encode()) + rb"\1")
SPACE = re.compile(rb"\s*")
# An id with an entity reference or white space reads differently once parsed (the literal
# start lets the search skip through the part at C speed).
UNPLAIN_ID = re.compile(rb"""w:styleId\s*=\s*(?:"[^"]*&|'[^']*&)""")
UNPLAIN_TEXT = re.compile(r"""[&\s"'<]""")
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
    """A plain-shaped part, searched for the styles of one id at a time where they lie in its bytes."""

    def __init__(self, data: bytes, head: bytes, tail: bytes) -> None:
        self.data = data
        self.head = head
        self.tail = tail

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
        elsewhere = (
            data.find(b"xmlns", 0, root.start()) >= 0 or data.find(b"xmlns", root.end()) >= 0
        )
        if elsewhere or re.search(rb"\sxmlns\s*=", names) or names.count(W_BYTES) != 1:
            return None
        # "&" is a rare byte: most parts are settled by one fast search.
        if data.find(b"&", root.end()) >= 0 and UNPLAIN_ID.search(data, root.end()):
            return None
        return cls(data, root.group(), f"</{root.group(1).decode()}>".encode())

    def _spans(self, raw: bytes) -> list[slice] | None:
        """Where the styles with this raw id lie, in order; None when one cannot be cut exactly."""
        data = self.data
        starts: set[int] = set()
        # The quoted id is rare in the part (a definition, a few references), so bytes.find
        # reaches every start tag that might define it without reading the others.
        for quoted in (b'"' + raw + b'"', b"'" + raw + b"'"):
            at = data.find(quoted)
            while at >= 0:
                lt = data.rfind(b"<", 0, at)  # no "<" inside a tag: the tag the id is in
                if STYLE_OPEN.match(data, lt):
                    starts.add(lt)
                at = data.find(quoted, at + 1)
        spans: list[slice] = []
        for lt in sorted(starts):
            tag = STYLE_START.match(data, lt)
            if tag is None:
                return None  # a style start tag not read whole
            ids = [a or b for name, a, b in ATTRIBUTE.findall(tag.group(1)) if name == b"w:styleId"]
            if ids != [raw]:
                continue  # the id was another attribute's value, or after the tag
            if tag.group(2):
                spans.append(slice(lt, tag.end()))
                continue
            end = STYLE_END.search(data, tag.end())
            if end is None or STYLE_OPEN.search(data, tag.end(), end.start()):
                return None  # unclosed, or a style inside this one
            spans.append(slice(lt, end.end()))
        return spans

    def level(self, style_id: str) -> tuple[bool, int | None]:
        """(True, level) from the styles with this id; (False, None) if one will not cut exactly."""
        # Such an id is written otherwise in the part (escaped, or its white space normalised).
        spans = None if UNPLAIN_TEXT.search(style_id) else self._spans(style_id.encode())
        if spans is None:
            return False, None
        level = None
        for span in spans:
            try:
                root = etree.fromstring(self.head + self.data[span] + self.tail, parser())
            except etree.XMLSyntaxError:
                return False, None
            found = style_level(root[0])
            if root[0].get(w("styleId")) != style_id:
                return False, None
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
            level = BUILT_IN.get(style_id)
            if level is None:
                exact, level = (
                    self._cut.level(style_id) if self._cut and style_id else (False, None)
                )
                if not exact and self._load():
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
