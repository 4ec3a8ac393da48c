"""The Tracker sheet's XML kept as bytes, with each <row> located, parsed only when qap touches it.

Holding a parsed tree of a 5,000-row sheet costs about 100 MB; holding its bytes costs 5 MB.
The reader parses the whole sheet once, then keeps the bytes, the byte span of every row, and
a small skeleton (everything but the rows) for the dimension, columns and filter. A write
re-emits untouched rows byte for byte and serialises only the rows it parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from pipeline.errors import TrackerError
from pipeline.tracker.book import M, parse_xml, to_xml

MARK = "qap-rows"
_R = re.compile(rb'\sr="(\d+)"')


def _unreadable(why: str) -> TrackerError:
    return TrackerError(
        f"The tracker's Tracker sheet has {why}, which qap cannot update in place, so the "
        "tracker was left as it is. Open it in Excel or LibreOffice, save it, and run "
        "`qap tracker` again."
    )


class RowStore:
    """Rows by number: spans of the original bytes, parsed into elements on first use."""

    def __init__(self, raw: bytes, root: etree._Element, numbers: list[int]) -> None:
        self.raw = raw
        prefix = f"{root.prefix}:" if root.prefix else ""
        self.namespaces = {k: v for k, v in root.nsmap.items()}
        self.wrapper = b"<w " + b" ".join(_declarations(self.namespaces)) + b">"
        start, body_start, body_end, end = _sheet_data(raw, prefix.encode())
        self.skeleton = parse_xml(
            raw[:start]
            + f"<{prefix}sheetData><!--{MARK}--></{prefix}sheetData>".encode()
            + raw[end:]
        )
        self.spans = _row_spans(raw, body_start, body_end, prefix.encode(), numbers)
        self.parsed: dict[int, etree._Element] = {}
        # The bytes each parsed row was last serialised as.
        self.emitted: dict[int, bytes] = {}

    def get(self, number: int) -> etree._Element | None:
        """The <row> element with this number (parsed now if needed), or None."""
        if number in self.parsed:
            return self.parsed[number]
        span = self.spans.get(number)
        if span is None:
            return None
        wrapped = parse_xml(self.wrapper + self.raw[span[0] : span[1]] + b"</w>")
        row = wrapped.find(f"{M}row")
        assert row is not None
        self.parsed[number] = row
        return row

    def __getitem__(self, number: int) -> etree._Element:
        row = self.get(number)
        if row is None:
            raise KeyError(number)
        return row

    def __setitem__(self, number: int, row: etree._Element) -> None:
        self.parsed[number] = row

    def __contains__(self, number: object) -> bool:
        return number in self.spans or number in self.parsed

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(set(self.spans) | set(self.parsed)))

    def to_bytes(self) -> bytes:
        """The sheet: rows qap parsed serialised anew, every other row as it was, in row order."""
        head, tail = to_xml(self.skeleton).split(f"<!--{MARK}-->".encode())
        body = [head]
        for number in self:
            row = self.parsed.get(number)
            if row is None:
                start, end = self.spans[number]
                body.append(self.raw[start:end])
            else:
                self.emitted[number] = self._serialise(row)
                body.append(self.emitted[number])
        body.append(tail)
        return b"".join(body)

    def _serialise(self, row: etree._Element) -> bytes:
        text = etree.tostring(row, encoding="UTF-8", xml_declaration=False)
        end = text.index(b">")
        tag = text[:end]
        for declaration in _declarations(self.namespaces):
            tag = tag.replace(b" " + declaration, b"")
        return tag + text[end:]


def _declarations(namespaces: dict[str | None, str]) -> list[bytes]:
    return [
        (f'xmlns="{uri}"' if prefix is None else f'xmlns:{prefix}="{uri}"').encode()
        for prefix, uri in namespaces.items()
    ]


def _sheet_data(raw: bytes, prefix: bytes) -> tuple[int, int, int, int]:
    """Offsets of <sheetData>: its start, where its rows begin and end, and its end."""
    start = _find_tag(raw, b"<" + prefix + b"sheetData", 0)
    if start < 0:
        raise _unreadable("no sheetData element")
    open_end = raw.index(b">", start) + 1
    if raw[open_end - 2 : open_end] == b"/>":
        return start, open_end, open_end, open_end
    close = raw.find(b"</" + prefix + b"sheetData>", open_end)
    if close < 0:
        raise _unreadable("an unterminated sheetData element")
    return start, open_end, close, close + len(b"</" + prefix + b"sheetData>")


def _find_tag(raw: bytes, tag: bytes, start: int, end: int | None = None) -> int:
    """The next `<tag` followed by a space, '>' or '/', or -1."""
    stop = len(raw) if end is None else end
    while True:
        at = raw.find(tag, start, stop)
        if at < 0 or raw[at + len(tag) : at + len(tag) + 1] in (
            b" ",
            b">",
            b"/",
            b"\t",
            b"\n",
            b"\r",
        ):
            return at
        start = at + 1


def _row_spans(
    raw: bytes, start: int, end: int, prefix: bytes, numbers: list[int]
) -> dict[int, tuple[int, int]]:
    """Byte span of each row, checked against the rows the parser found (same numbers, same order)."""
    body = raw[start:end]
    if b"<!--" in body or b"<![CDATA[" in body or b"<?" in body:
        raise _unreadable("comments or CDATA among its rows")
    tag = b"<" + prefix + b"row"
    starts = []
    at = _find_tag(raw, tag, start, end)
    while at >= 0:
        starts.append(at)
        at = _find_tag(raw, tag, at + 1, end)
    if len(starts) != len(numbers):
        raise _unreadable("rows qap could not locate")
    spans: dict[int, tuple[int, int]] = {}
    previous = 0
    for index, (at, number) in enumerate(zip(starts, numbers, strict=True)):
        tag_end = raw.index(b">", at)
        found = _R.search(raw, at, tag_end)
        given = int(found.group(1)) if found else previous + 1
        if given != number or number in spans:
            raise _unreadable("rows out of order or numbered twice")
        previous = number
        spans[number] = (at, starts[index + 1] if index + 1 < len(starts) else end)
    return spans
