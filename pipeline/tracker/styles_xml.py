"""Cell styles in the tracker's styles.xml: find or add the few looks qap writes, never duplicating.

A look (font, fill, border, alignment, number format, quote prefix) becomes an index into
cellXfs. Existing entries are matched by content, so repeated runs reuse what earlier runs
added and styles.xml stops growing after the first write.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from lxml import etree

from pipeline.tracker.book import MAIN_NS, M, to_xml

BORDER_COLOUR = "BFBFBF"
# Child order of <styleSheet> in the SpreadsheetML schema.
ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "@": 49}


@dataclass(frozen=True)
class Look:
    """How a cell looks: font, fill colour, thin grey border, alignment, number format, quote prefix."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    colour: str | None = None
    fill: str | None = None
    border: bool = False
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    number_format: str = "General"
    quote: bool = False

    def but(self, **changes: object) -> Look:
        """The same look with some attributes changed."""
        return _but(self, tuple(changes.items()))


# Looks are few and are changed the same ways thousands of times a run (Summary, Log).
@functools.lru_cache(maxsize=1024)
def _but(look: Look, changes: tuple[tuple[str, object], ...]) -> Look:
    return replace(look, **dict(changes))  # type: ignore[arg-type]


def _key(element: etree._Element) -> tuple[object, ...]:
    """An element's content as a comparable value: tag, attributes (any order), children."""
    return (
        etree.QName(element).localname,
        tuple(sorted(element.attrib.items())),
        tuple(_key(child) for child in element),
    )


def _xf_key(element: etree._Element) -> tuple[object, ...]:
    # Attributes that only restate defaults must not make two equal styles look different.
    ignored = {"applyAlignment", "applyNumberFormat", "applyFont", "applyFill", "applyBorder"}
    attrs = {k: v for k, v in element.attrib.items() if k not in ignored}
    for name in ("pivotButton", "quotePrefix"):
        if attrs.get(name) in ("0", "false"):
            del attrs[name]
    attrs.setdefault("xfId", "0")
    children = tuple(_key(c) for c in element if etree.QName(c).localname != "protection")
    return tuple(sorted(attrs.items())), children


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{M}{tag}", attrs)


class Styles:
    """styles.xml parsed, with lookups by content for fonts, fills, borders, number formats, xfs."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._lists = {name: self._list(name) for name in ("fonts", "fills", "borders", "cellXfs")}
        # Content -> position; where equal entries repeat, the first one is used.
        self._index: dict[str, dict[tuple[object, ...], int]] = {}
        for name, lst in self._lists.items():
            keyer = _xf_key if name == "cellXfs" else _key
            self._index[name] = {}
            for i in range(len(lst) - 1, -1, -1):
                self._index[name][keyer(lst[i])] = i
        self._derived: dict[tuple[int, str | None, bool | None], int] = {}
        self._looks: dict[Look, int] = {}
        # Answers about existing xfs, which qap never alters (new ones are appended).
        self._styled: dict[int, bool] = {}
        self._formats: dict[int, str] = {}
        self.changed = False

    @classmethod
    def parse(cls, data: bytes | None) -> Styles:
        """The stylesheet from its bytes (a minimal one when the package has none)."""
        from pipeline.tracker.book import parse_xml

        if data is None:
            return cls(etree.Element(f"{M}styleSheet", nsmap={None: MAIN_NS}))
        return cls(parse_xml(data))

    def _list(self, name: str) -> etree._Element:
        found = self.root.find(f"{M}{name}")
        if found is None:
            found = etree.Element(f"{M}{name}")
            self._insert(found)
            if name == "cellXfs":
                _sub(found, "xf", numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            elif name == "fills":
                _sub(_sub(found, "fill"), "patternFill", patternType="none")
                _sub(_sub(found, "fill"), "patternFill", patternType="gray125")
            elif name == "fonts":
                font = _sub(found, "font")
                _sub(font, "sz", val="11")
                _sub(font, "name", val="Calibri")
            elif name == "borders":
                _sub(found, "border")
        return found

    def _insert(self, element: etree._Element) -> None:
        """Place a new top-level element where the schema wants it."""
        name = etree.QName(element).localname
        later = ORDER[ORDER.index(name) + 1 :]
        for position, child in enumerate(self.root):
            if etree.QName(child).localname in later:
                self.root.insert(position, element)
                return
        self.root.append(element)

    def _add(self, name: str, element: etree._Element) -> int:
        """The index of an equal entry in the list `name`, appending `element` when there is none."""
        key = _key(element) if name != "cellXfs" else _xf_key(element)
        index = self._index[name]
        if key not in index:
            parent = self._lists[name]
            parent.append(element)
            parent.set("count", str(len(parent)))
            index[key] = len(parent) - 1
            self.changed = True
        return index[key]

    def number_format(self, code: str) -> int:
        """The numFmtId of a format code, adding a custom one when needed."""
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        formats = self.root.find(f"{M}numFmts")
        if formats is None:
            formats = etree.Element(f"{M}numFmts")
            self._insert(formats)
        ids = [int(f.get("numFmtId", "0")) for f in formats]
        for fmt in formats:
            if fmt.get("formatCode") == code:
                return int(fmt.get("numFmtId", "0"))
        number = max([163, *ids]) + 1
        _sub(formats, "numFmt", numFmtId=str(number), formatCode=code)
        formats.set("count", str(len(formats)))
        self.changed = True
        return number

    def look(self, look: Look) -> int:
        """The cellXfs index of a look, added when the stylesheet does not have it yet."""
        if look not in self._looks:
            self._looks[look] = self._new_look(look)
        return self._looks[look]

    def _new_look(self, look: Look) -> int:
        font = etree.Element(f"{M}font")
        if look.bold:
            _sub(font, "b", val="1")
        if look.italic:
            _sub(font, "i", val="1")
        if look.size:
            _sub(font, "sz", val=f"{look.size:g}")
        if look.colour:
            _sub(font, "color", rgb=f"FF{look.colour}")
        fill = etree.Element(f"{M}fill")
        if look.fill:
            pattern = _sub(fill, "patternFill", patternType="solid")
            _sub(pattern, "fgColor", rgb=f"FF{look.fill}")
            _sub(pattern, "bgColor", rgb=f"FF{look.fill}")
        border = etree.Element(f"{M}border")
        for side in ("left", "right", "top", "bottom"):
            edge = _sub(border, side, **({"style": "thin"} if look.border else {}))
            if look.border:
                _sub(edge, "color", rgb=f"FF{BORDER_COLOUR}")
        _sub(border, "diagonal")
        ids = {
            "numFmtId": str(self.number_format(look.number_format)),
            "fontId": str(self._add("fonts", font) if len(font) else 0),
            "fillId": str(self._add("fills", fill) if len(fill) else 0),
            "borderId": str(self._add("borders", border) if look.border else 0),
        }
        xf = etree.Element(f"{M}xf", ids)
        if look.quote:
            xf.set("quotePrefix", "1")
        xf.set("xfId", "0")
        align = {"horizontal": look.horizontal, "vertical": look.vertical}
        attrs = {k: v for k, v in align.items() if v}
        if look.wrap:
            attrs["wrapText"] = "1"
        if attrs:
            xf.set("applyAlignment", "1")
            _sub(xf, "alignment", **attrs)
        if ids["numFmtId"] != "0":
            xf.set("applyNumberFormat", "1")
        return self._add("cellXfs", xf)

    def derive(self, index: int, number_format: str | None, quote: bool | None) -> int:
        """An existing style with its number format and/or quote prefix changed (None: kept)."""
        key = (index, number_format, quote)
        if key not in self._derived:
            xfs = self._lists["cellXfs"]
            xf = etree.fromstring(etree.tostring(xfs[index if index < len(xfs) else 0]))
            if number_format is not None:
                xf.set("numFmtId", str(self.number_format(number_format)))
                xf.set("applyNumberFormat", "1")
            if quote is not None:
                if quote:
                    xf.set("quotePrefix", "1")
                elif "quotePrefix" in xf.attrib:
                    del xf.attrib["quotePrefix"]
            self._derived[key] = self._add("cellXfs", xf)
        return self._derived[key]

    def format_code(self, index: int) -> str:
        """The number format code of a cellXfs entry ('General' for the built-in 0)."""
        found = self._formats.get(index)
        if found is not None:
            return found
        xfs = self._lists["cellXfs"]
        number = int(xfs[index].get("numFmtId", "0")) if index < len(xfs) else 0
        code = next(
            (
                fmt.get("formatCode", "")
                for fmt in self.root.iterfind(f"{M}numFmts/{M}numFmt")
                if int(fmt.get("numFmtId", "0")) == number
            ),
            None,
        )
        if code is None:
            code = next((c for c, n in BUILTIN_FORMATS.items() if n == number), None)
        if code is None:
            return str(number)  # not cached: a format qap adds later may take this number
        if index < len(xfs):
            self._formats[index] = code
        return code

    def has_style(self, index: int) -> bool:
        """Whether a cellXfs entry differs from the plain default (openpyxl's has_style)."""
        xfs = self._lists["cellXfs"]
        if index <= 0 or index >= len(xfs):
            return False
        if index not in self._styled:
            self._styled[index] = _xf_key(xfs[index]) != _xf_key(xfs[0])
        return self._styled[index]

    def to_bytes(self) -> bytes:
        """The stylesheet as XML."""
        return to_xml(self.root)


def date_styles(root: etree._Element) -> tuple[frozenset[int], frozenset[int]]:
    """Cell styles (xf indices) whose number format shows a date, and those showing a duration."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    custom = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "")
        for f in root.iterfind(f"{M}numFmts/{M}numFmt")
    }
    dates, durations = set(), set()
    for index, xf in enumerate(root.iterfind(f"{M}cellXfs/{M}xf")):
        number = int(xf.get("numFmtId", "0"))
        code = custom.get(number) or builtin_format_code(number) or ""
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return frozenset(dates), frozenset(durations)
