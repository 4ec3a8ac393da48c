"""The custom document property that carries a form's signed identity in a Word package."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part

from pipeline.forms.identity import CUSTOM_NS, PROPERTY_NAME, VT_NS

# Every control's tag in document order: a second record of where answers sit, for editors
# (LibreOffice 7.4) that keep the controls but drop their tags on save.
FIELDS_PROPERTY = "qap-fields"

# The format id every custom property carries (fixed by the OOXML standard).
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def custom_properties_xml(properties: dict[str, str]) -> bytes:
    """docProps/custom.xml holding string properties."""
    items = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(properties.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{items}</Properties>'
    ).encode()


def add_identity_property(document: Any, encoded_identity: str, tags: list[str]) -> None:
    """Add docProps/custom.xml with the identity and the field map to a python-docx Document."""
    package = document.part.package
    properties = {PROPERTY_NAME: encoded_identity, FIELDS_PROPERTY: " ".join(tags)}
    part = Part(
        PackURI("/docProps/custom.xml"),
        CT.OFC_CUSTOM_PROPERTIES,
        custom_properties_xml(properties),
        package,
    )
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
    # python-docx's template carries a thumbnail of an empty page; file browsers would show it.
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
