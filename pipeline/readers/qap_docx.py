"""Reader for qap's own Word forms: every answer is in a content control tagged with its place."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.errors import ReturnRejected
from pipeline.forms.answers import FormAnswers
from pipeline.forms.fields import PLACEHOLDERS, PY_DATE_FORMAT, parse_tag
from pipeline.forms.properties import FIELDS_PROPERTY
from pipeline.model import RawReturn
from pipeline.readers.package import Package, open_package

log = logging.getLogger(__name__)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY_PART = "word/document.xml"
# The pre-check bounds parts at 100 MB; a form's body is far smaller, so more is not a form.
MAX_BODY_BYTES = 50_000_000
STYLE = "qap-form"
_NS = {"w": W[1:-1]}
SDT_PR, SDT_CONTENT, TAG, VAL = f"{W}sdtPr", f"{W}sdtContent", f"{W}tag", f"{W}val"
SHOWING_PLACEHOLDER, DATE, FULL_DATE = f"{W}showingPlcHdr", f"{W}date", f"{W}fullDate"
# Evaluated by libxml2: an ancestor test per node costs nothing in Python.
OUTER_CONTROLS = etree.XPath("descendant-or-self::w:sdt[not(ancestor::w:sdt)]", namespaces=_NS)
# Only run content counts (w:tab also names tab stops in paragraph properties), and tracked
# deletions stay in the file as w:del though the agency no longer sees them.
RUN_TEXT = etree.XPath(
    "(descendant-or-self::w:t | descendant-or-self::w:tab | descendant-or-self::w:br"
    " | descendant-or-self::w:cr | descendant-or-self::w:noBreakHyphen)"
    "[parent::w:r][not(ancestor::w:del)]",
    namespaces=_NS,
)


def read_qap_docx(source: Path | Package) -> RawReturn:
    """Read a Word form qap issued: answers by question id, cases, actions, sign-off, identity."""
    with open_package(source) as package:
        body = _body(package)
        field_map = package.custom_properties().get(FIELDS_PROPERTY, "").split()
        identity = package.identity()
    name = package.path.name
    controls = list(_controls(body))
    # Editors that drop tags (LibreOffice 7.4) keep the controls in order; the field map
    # written at issue then says which is which, provided none were added or removed.
    by_position = len(field_map) == len(controls)
    found = FormAnswers()
    untagged = 0
    for position, sdt in enumerate(controls):
        tag, value = _field(sdt)
        if tag is None:
            untagged += 1
            tag = field_map[position] if by_position else None
        parsed = parse_tag(tag) if tag else None
        if parsed is not None:
            found.add(parsed, value)
    if untagged:
        how = "matched by position from the form's field map" if by_position else "not read"
        found.note(f"{untagged} of {len(controls)} answer fields had lost their tags; {how}")
    log.info("read qap Word form %s: %d controls", name, len(controls))
    return found.raw_return(name, "docx", STYLE, identity)


def _body(package: Package) -> Any:
    name = package.path.name
    try:
        info = package.getinfo(BODY_PART)
        if info.file_size > MAX_BODY_BYTES:
            raise ReturnRejected(
                f"{name}: the document body is too large to be a qap form.",
                "Ask the agency to send the form qap issued, filled in.",
            )
        data = package.read(BODY_PART)
    except KeyError:
        raise ReturnRejected(
            f"{name} is not a readable Word document.",
            "Ask the agency to save it again as a Word document (.docx) and resend it.",
        ) from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise ReturnRejected(
            f"{name}: the document's text is damaged.",
            "Ask the agency to open it in Word, save it again and resend it.",
        ) from None


def _controls(body: Any) -> Iterator[Any]:
    """Content controls in document order, skipping any nested inside another."""
    yield from OUTER_CONTROLS(body)


def _field(sdt: Any) -> tuple[str | None, str]:
    """The control's tag, and its content as the agency left it (a placeholder reads as empty)."""
    tag = date = None
    placeholder = False
    # One pass over the properties: a find() per property costs more than the walk.
    props = sdt.find(SDT_PR)
    for prop in () if props is None else props:
        if prop.tag == TAG:
            tag = prop.get(VAL) or None
        elif prop.tag == SHOWING_PLACEHOLDER:
            placeholder = True
        elif prop.tag == DATE:
            date = prop
    if placeholder:
        return tag, ""
    content = sdt.find(SDT_CONTENT)
    text = "" if content is None else _text(content).strip()
    if text in PLACEHOLDERS:
        return tag, ""
    if date is not None and text:
        return tag, _picked_date(date.get(FULL_DATE), text)
    return tag, text


def _text(content: Any) -> str:
    """Visible text: runs, tabs and breaks; paragraphs joined by newlines; deletions left out."""
    paragraphs = list(content.iter(f"{W}p"))
    if not paragraphs:
        return _run_text(content)
    return "\n".join(_run_text(p) for p in paragraphs)


def _run_text(element: Any) -> str:
    parts: list[str] = []
    for node in RUN_TEXT(element):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        else:
            parts.append({f"{W}tab": "\t", f"{W}noBreakHyphen": "-"}.get(node.tag, "\n"))
    return "".join(parts)


def _picked_date(full_date: str | None, shown: str) -> str:
    """ISO date when the picker's stored date matches what is shown; otherwise the text typed."""
    if not full_date:
        return shown
    try:
        picked = dt.date.fromisoformat(full_date[:10])
    except ValueError:
        return shown
    # A stale stored date (text typed over a picked one) must not win over what the agency sees.
    return picked.isoformat() if picked.strftime(PY_DATE_FORMAT) == shown else shown
