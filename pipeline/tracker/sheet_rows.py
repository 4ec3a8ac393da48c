"""The Tracker sheet's XML kept as bytes, with each <row> located, parsed only when qap touches it.

Holding a parsed tree of a 5,000-row sheet costs about 100 MB; holding its bytes costs 5 MB.
The store finds each row's byte span in the bytes (`<` cannot occur in XML text or attribute
values, and comments and CDATA among the rows are refused, so every `<row` is a row tag),
parses a small skeleton (everything but the rows) for the dimension, columns and filter, and
parses rows only when asked: the reader parses the rows it has not read before, a write the
rows it changes. A write re-emits untouched rows byte for byte and serialises only the rows it
parsed for patching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import accumulate, pairwise

from lxml import etree

from pipeline.errors import TrackerError
from pipeline.tracker.book import M, parse_xml, to_xml

MARK = "qap-rows"
_ROW = f"{M}row"
# The first <sheetData> tag, with the prefix the sheet gives its main namespace, if any.
_SHEET_DATA = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?sheetData(?=[\s>/])")


def _unreadable(why: str) -> TrackerError:
    return TrackerError(
        f"The tracker's Tracker sheet has {why}, which qap cannot update in place, so the "
        "tracker was left as it is. Open it in Excel or LibreOffice, save it, and run "
        "`qap tracker` again."
    )


class RowStore:
    """Rows by number: spans of the original bytes, parsed into elements on first use."""

    def __init__(self, raw: bytes, spans: dict[int, tuple[int, int]] | None = None) -> None:
        """Rows of `raw` found by scanning, or given as `spans` (from a memo of these very bytes)."""
        self.raw = raw
        found = _SHEET_DATA.search(raw)
        if found is None:
            raise _unreadable("no sheetData element")
        prefix = found.group(1) + b":" if found.group(1) else b""
        start, body_start, body_end, end = _sheet_data(raw, found.start(), prefix)
        self.skeleton = parse_xml(
            raw[:start]
            + b"<"
            + prefix
            + b"sheetData><!--"
            + MARK.encode()
            + b"--></"
            + prefix
            + b"sheetData>"
            + raw[end:]
        )
        holder = self.skeleton.find(f"{M}sheetData")
        if holder is None or len(holder) != 1 or holder[0].text != MARK:
            raise _unreadable("no sheetData element")
        self.namespaces = {k: v for k, v in self.skeleton.nsmap.items()}
        self.wrapper = b"<w " + b" ".join(_declarations(self.namespaces)) + b">"
        self.spans = _row_spans(raw, body_start, body_end, prefix) if spans is None else spans
        self.parsed: dict[int, etree._Element] = {}
        # The bytes each parsed row was last serialised as.
        self.emitted: dict[int, bytes] = {}
        # Each row's span in the bytes to_bytes() last made (as a scan of them would find).
        self.written: dict[int, tuple[int, int]] = {}

    def read(self, numbers: Iterable[int]) -> Iterator[tuple[int, etree._Element]]:
        """Rows parsed for reading only (in one parse, not kept: a write re-emits them as they
        were), in the order asked, each with its number."""
        wanted = [number for number in numbers if number in self.spans]
        if not wanted:
            return
        raw, spans = self.raw, self.spans
        body = b"".join(raw[spans[n][0] : spans[n][1]] for n in wanted)
        wrapped = parse_xml(self.wrapper + body + b"</w>")
        rows = [child for child in wrapped if child.tag == _ROW]
        if len(rows) != len(wanted):
            raise _unreadable("rows qap could not locate")
        yield from zip(wanted, rows, strict=True)

    def parse(self, numbers: Iterable[int]) -> None:
        """Parse these rows for patching, in one parse (rows already parsed or absent are left)."""
        wanted = sorted({n for n in numbers if n in self.spans and n not in self.parsed})
        self.parsed.update(self.read(wanted))

    def get(self, number: int) -> etree._Element | None:
        """The <row> element with this number (parsed now if needed), or None."""
        if number in self.parsed:
            return self.parsed[number]
        span = self.spans.get(number)
        if span is None:
            return None
        ((_, row),) = self.read((number,))
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
        body: list[bytes | memoryview] = [head]
        # Sliced without copying: the join copies each untouched run once, into the new bytes.
        raw, spans, parsed = memoryview(self.raw), self.spans, self.parsed
        written = self.written = {}
        # Where the next row lands: a row spans to the next row's start, as the scan has it.
        at = len(head)
        numbers = sorted(spans.keys() | parsed.keys())
        # Between two parsed rows, the untouched rows are copied as they were (as one slice when
        # they follow one another in the bytes, as they nearly always do).
        bounds = [i for i, number in enumerate(numbers) if number in parsed]
        for first, last in zip([-1, *bounds], [*bounds, len(numbers)], strict=True):
            kept = [spans[number] for number in numbers[first + 1 : last]]
            if kept:
                ends = list(accumulate((end - start for start, end in kept), initial=at))
                written.update(zip(numbers[first + 1 : last], pairwise(ends), strict=True))
                at = ends[-1]
                if all(a[1] == b[0] for a, b in pairwise(kept)):
                    body.append(raw[kept[0][0] : kept[-1][1]])
                else:
                    body.extend(raw[start:end] for start, end in kept)
            if last < len(numbers):
                number = numbers[last]
                emitted = self.emitted[number] = self._serialise(parsed[number])
                written[number] = (at, at + len(emitted))
                at += len(emitted)
                body.append(emitted)
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


def _sheet_data(raw: bytes, start: int, prefix: bytes) -> tuple[int, int, int, int]:
    """Offsets of <sheetData> (found at `start`): its start, where its rows begin and end, and its end."""
    open_end = raw.index(b">", start) + 1
    if raw[open_end - 2 : open_end] == b"/>":
        return start, open_end, open_end, open_end
    close = raw.find(b"</" + prefix + b"sheetData>", open_end)
    if close < 0:
        raise _unreadable("an unterminated sheetData element")
    return start, open_end, close, close + len(b"</" + prefix + b"sheetData>")


def _row_spans(raw: bytes, start: int, end: int, prefix: bytes) -> dict[int, tuple[int, int]]:
    """Byte span of each row by its number (r, else one more than the row before)."""
    if _markup(raw, start, end):
        raise _unreadable("comments or CDATA among its rows")
    # Each row's start tag, with its r attribute when it has one (a start tag holds no '>').
    tag = re.compile(b"<" + re.escape(prefix) + rb'row(?=[\s>/])(?:[^>]*?\sr="(\d+)")?')
    found = [(row.start(), row.group(1)) for row in tag.finditer(raw, start, end)]
    if not found:
        return {}
    starts, given = zip(*found, strict=True)
    if None not in given:
        numbers = list(map(int, given))
    else:
        numbers, previous = [], 0
        for text in given:
            previous = int(text) if text else previous + 1
            numbers.append(previous)
    spans = dict(zip(numbers, zip(starts, [*starts[1:], end], strict=True), strict=True))
    if len(spans) != len(numbers):
        raise _unreadable("rows out of order or numbered twice")
    return spans


def _markup(raw: bytes, start: int, end: int) -> bool:
    """Whether the bytes hold "<!" (a comment or CDATA among rows) or "<?" (an instruction)."""
    # A sheet holds "<" hundreds of thousands of times, which slows a search for "<!" down;
    # "!" and "?" are rare, and each is a single-byte search.
    for mark in (b"!", b"?"):
        at = raw.find(mark, start, end)
        while at >= 0:
            if raw[at - 1 : at] == b"<":
                return True
            at = raw.find(mark, at + 1, end)
    return False
