"""WordprocessingML helpers: text as it reads with tracked changes accepted, form fields, tables.

Works on lxml elements directly (python-docx's object model is slower and hides fields,
content controls and revisions). Legacy check boxes and content-control check boxes become
☒/☐ glyphs in the text, so one rule reads every kind of ticked box.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from lxml import etree

from pipeline.readers.package import Package

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)


def w(tag: str) -> str:
    """A tag or attribute name in the w: namespace."""
    return f"{{{W_NS}}}{tag}"


P, TBL, TR, TC, R, SDT = w("p"), w("tbl"), w("tr"), w("tc"), w("r"), w("sdt")
BODY = w("body")
SDT_CONTENT, SDT_PR, VAL = w("sdtContent"), w("sdtPr"), w("val")
# Elements whose text is not part of the document as it reads with changes accepted.
SKIPPED = {w("del"), w("moveFrom"), w("pPr"), w("rPr"), w("instrText"), w("delText")}
SKIPPED |= {w("fldData"), w("footnoteReference"), w("endnoteReference"), w("commentReference")}
CONTAINERS = {w("customXml"), w("smartTag"), w("sdtContent")}
BLOCKS = {P, TBL}
TICKED, EMPTY = "☒", "☐"
# Check-box pictures from symbol fonts (Wingdings, Wingdings 2), by character code.
SYMBOLS = {"FE": TICKED, "FD": TICKED, "78": TICKED, "A8": EMPTY, "6F": EMPTY, "53": TICKED}
SYMBOLS |= {"54": TICKED, "52": "☑", "A3": EMPTY, "2A": EMPTY}
PLACEHOLDER_OFF = ("0", "false", "off")
# Tags and attributes built once: the walkers compare them for every element.
T, HYPHEN, SYM, CHAR = w("t"), w("noBreakHyphen"), w("sym"), w("char")
TAB, BREAK = (w("tab"), w("ptab")), (w("br"), w("cr"))
FLD_CHAR, FLD_CHAR_TYPE, FF_DATA = w("fldChar"), w("fldCharType"), w("ffData")
ALTERNATE, CHOICE = f"{{{MC_NS}}}AlternateContent", f"{{{MC_NS}}}Choice"
PLACEHOLDER, INS = w("showingPlcHdr"), w("ins")
P_PR, R_PR, DEL, P_STYLE, OUTLINE = w("pPr"), w("rPr"), w("del"), w("pStyle"), w("outlineLvl")
CHECK_BOX, CHECKED, DEFAULT = w("checkBox"), w("checked"), w("default")
DROP_DOWN, LIST_ENTRY, RESULT = w("ddList"), w("listEntry"), w("result")
W14_CHECK_BOX, W14_CHECKED = f"{{{W14_NS}}}checkbox", f"{{{W14_NS}}}checked"
W14_VAL, DATE, FULL_DATE = f"{{{W14_NS}}}val", w("date"), w("fullDate")
# Run children that stand for one character each.
RUN_TEXT = {TAB[0]: "\t", TAB[1]: "\t", BREAK[0]: "\n", BREAK[1]: "\n", HYPHEN: "-"}


def child(element: Any, tag: str) -> Any:
    """The first child with this tag, or None: `element.find(tag)` without ElementPath's cost."""
    for item in element:
        if item.tag == tag:
            return item
    return None


def descendant(element: Any, *tags: str) -> Any:
    """The first element down a path of child tags, as `element.find("a/b")` would find it."""
    for item in element:
        if item.tag == tags[0]:
            found = descendant(item, *tags[1:]) if len(tags) > 1 else item
            if found is not None:
                return found
    return None


def parser() -> etree.XMLParser:
    """An XML parser that never loads DTDs, expands entities or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def main_part(package: Package) -> str:
    """The path of the package's main part, from its relationships (the pre-check found it already)."""
    if package.main:
        return package.main
    rels = etree.fromstring(package.read("_rels/.rels"), parser())
    for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
        if rel.get("Type") == OFFICE_DOCUMENT:
            return (rel.get("Target") or "").lstrip("/")
    raise KeyError("officeDocument")


class TextReader:
    """Reads paragraph text as Word shows it with changes accepted; counts the form features seen."""

    def __init__(self) -> None:
        self.features: Counter[str] = Counter()

    def paragraph(self, p: etree._Element) -> str:
        """The text of one paragraph: insertions in, deletions out, fields as their results."""
        # Most paragraphs are plain runs: read in one loop, exactly as the walk would read them.
        # Anything else (a field, a content control, a revision, a hyperlink...) takes the walk.
        out: list[str] = []
        for item in p:
            tag = item.tag
            if tag == R:
                for piece in item:
                    kind = piece.tag
                    if kind == T:
                        out.append(piece.text or "")
                    elif kind == R_PR:
                        continue
                    elif kind in RUN_TEXT:
                        out.append(RUN_TEXT[kind])
                    elif kind == SYM:
                        out.append(_symbol(piece))
                    elif kind == FLD_CHAR:
                        return self._walked(p)
            # An empty element adds no text to the walk, bar a content control (it is counted).
            elif tag != P_PR and (tag == SDT or len(item)):
                return self._walked(p)
        return "".join(out)

    def _walked(self, p: etree._Element) -> str:
        """The text of one paragraph by the careful walk: fields, content controls, revisions."""
        out: list[str] = []
        self._walk(p, out, [])
        return "".join(out)

    def _walk(self, element: etree._Element, out: list[str], fields: list[list[object]]) -> None:
        for item in element:
            tag = item.tag
            # Runs first: most children are runs, and R is neither skipped nor a comment.
            if tag == R:
                self._run(item, out, fields)
            elif tag in SKIPPED or not isinstance(tag, str):
                continue
            elif tag == SDT:
                self._sdt(item, out, fields)
            elif tag == ALTERNATE:
                choice = child(item, CHOICE)
                if choice is not None:
                    self._walk(choice, out, fields)
            else:
                self._walk(item, out, fields)

    def _run(self, run: etree._Element, out: list[str], fields: list[list[object]]) -> None:
        for item in run:
            tag = item.tag
            if tag == FLD_CHAR:
                self._field_char(item, out, fields)
            elif fields and (fields[-1][0] == "instr" or any(f[1] for f in fields)):
                continue
            elif tag == T:
                out.append(item.text or "")
            elif tag == R_PR:
                # Nearly every run has properties: passed over before the rarer tags below.
                continue
            elif tag in RUN_TEXT:
                out.append(RUN_TEXT[tag])
            elif tag == SYM:
                out.append(_symbol(item))

    def _field_char(self, char: etree._Element, out: list[str], fields: list[list[object]]) -> None:
        kind = char.get(FLD_CHAR_TYPE)
        if kind == "begin":
            suppress = False
            form = child(char, FF_DATA)
            if form is not None:
                value = self._form_field(form)
                if value is not None:
                    out.append(value)
                    suppress = True
            fields.append(["instr", suppress])
        elif kind == "separate" and fields:
            fields[-1][0] = "result"
        elif kind == "end" and fields:
            fields.pop()

    def _form_field(self, form: etree._Element) -> str | None:
        """A legacy FORMCHECKBOX as a glyph, a FORMDROPDOWN as its chosen entry; FORMTEXT: None."""
        self.features["legacy-fields"] += 1
        box = child(form, CHECK_BOX)
        if box is not None:
            checked = child(box, CHECKED)
            default = child(box, DEFAULT)
            if checked is not None:
                on = (checked.get(VAL) or "1").lower() not in PLACEHOLDER_OFF
            else:
                on = default is not None and (default.get(VAL) or "0").lower() in (
                    "1",
                    "true",
                    "on",
                )
            return TICKED if on else EMPTY
        drop = child(form, DROP_DOWN)
        if drop is not None:
            entries = [e.get(VAL) or "" for e in drop if e.tag == LIST_ENTRY]
            chosen = child(drop, RESULT)
            if chosen is None:
                chosen = child(drop, DEFAULT)
            raw = chosen.get(VAL) if chosen is not None else "0"
            index = int(raw) if raw and raw.isdigit() else 0
            return entries[index] if index < len(entries) else ""
        return None

    def _sdt(self, sdt: etree._Element, out: list[str], fields: list[list[object]]) -> None:
        """An inline content control: check box as a glyph, date as ISO, placeholder as nothing."""
        props = child(sdt, SDT_PR)
        content = child(sdt, SDT_CONTENT)
        self.features["content-controls"] += 1
        if props is not None:
            if child(props, PLACEHOLDER) is not None:
                return
            box = child(props, W14_CHECK_BOX)
            if box is not None:
                checked = child(box, W14_CHECKED)
                on = checked is not None and checked.get(W14_VAL) in ("1", "true")
                out.append(TICKED if on else EMPTY)
                return
            date = child(props, DATE)
            if date is not None and date.get(FULL_DATE):
                out.append((date.get(FULL_DATE) or "")[:10])
                return
        if content is not None:
            self._walk(content, out, fields)


def _symbol(sym: etree._Element) -> str:
    """A symbol-font character as the check-box glyph it pictures; other symbols as nothing."""
    return SYMBOLS.get((sym.get(CHAR) or "").upper()[-2:], "")


def mark_deleted(p: etree._Element) -> bool:
    """Whether a paragraph's own mark was deleted in tracked changes (it joins the next one)."""
    # descendant(p, P_PR, R_PR, DEL) spelt out: it runs for every paragraph.
    for props in p:
        if props.tag == P_PR:
            for run_props in props:
                if run_props.tag == R_PR:
                    for item in run_props:
                        if item.tag == DEL:
                            return True
    return False


def unwrap(parent: Iterable[Any], wanted: set[str]) -> Iterator[Any]:
    """Children with a wanted tag, looking through content controls and custom XML wrappers."""
    for item in parent:
        tag = item.tag
        if tag in wanted:
            yield item
        elif tag == SDT:
            props = child(item, SDT_PR)
            if props is not None and child(props, PLACEHOLDER) is not None and P in wanted:
                continue
            content = child(item, SDT_CONTENT)
            if content is not None:
                yield from unwrap(content, wanted)
        elif tag in CONTAINERS or tag == INS:
            yield from unwrap(item, wanted)


def joined_paragraphs(reader: TextReader, parent: Iterable[Any]) -> Iterator[Any]:
    """Tables, and (text, paragraph) pairs joining paragraphs whose mark was deleted, in order."""
    carry = ""
    last: etree._Element | None = None
    for block in unwrap(parent, BLOCKS):
        if block.tag != P:
            if last is not None:
                yield carry, last
                carry, last = "", None
            yield block
            continue
        carry += reader.paragraph(block)
        last = block
        if not mark_deleted(block):
            yield carry, block
            carry, last = "", None
    if last is not None:
        yield carry, last


def heading_level(p: etree._Element, levels: Mapping[str, int]) -> int | None:
    """A paragraph's heading level from its style or outline level; None for body text."""
    style = descendant(p, P_PR, P_STYLE)
    if style is not None and (style.get(VAL) or "") in levels:
        return levels[style.get(VAL) or ""]
    outline = descendant(p, P_PR, OUTLINE)
    raw = outline.get(VAL) if outline is not None else None
    return int(raw) + 1 if raw and raw.isdigit() and int(raw) < 9 else None
