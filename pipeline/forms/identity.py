"""The signed identity qap hides in each form it issues, as a custom document property.

The identity travels as one string in the custom property `qap-identity` of docProps/custom.xml,
which Word, Excel and LibreOffice keep on save. The signature is an HMAC-SHA256 over the other
fields with the workspace's secret key, which never leaves the workspace.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import zipfile
from pathlib import Path

from lxml import etree

from pipeline.model import FormIdentity

log = logging.getLogger(__name__)

PROPERTY_NAME = "qap-identity"
PREFIX = "qap1"
CUSTOM_PART = "docProps/custom.xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
# The property part is tiny; anything bigger is not ours and is not parsed.
MAX_PART_BYTES = 1_000_000


def _payload(identity: FormIdentity) -> str:
    return "|".join(
        (
            PREFIX,
            identity.workspace_id,
            identity.audit_id,
            identity.agency_key,
            str(identity.form_version),
            identity.kind,
        )
    )


def sign_identity(identity: FormIdentity, key: bytes) -> FormIdentity:
    """The identity with its signature filled in."""
    digest = hmac.new(key, _payload(identity).encode(), hashlib.sha256).hexdigest()
    return FormIdentity(
        workspace_id=identity.workspace_id,
        audit_id=identity.audit_id,
        agency_key=identity.agency_key,
        form_version=identity.form_version,
        kind=identity.kind,
        signature=digest[:32],
    )


def verify_identity(identity: FormIdentity, key: bytes) -> bool:
    """Whether the identity's signature was made with this key over exactly these fields."""
    expected = sign_identity(identity, key).signature
    return hmac.compare_digest(expected, identity.signature)


def encode_identity(identity: FormIdentity) -> str:
    """The property value: the signed fields joined by '|', signature last."""
    return f"{_payload(identity)}|{identity.signature}"


def decode_identity(text: str) -> FormIdentity | None:
    """Parse a property value; None when it is not a qap identity."""
    parts = text.strip().split("|")
    if len(parts) != 7 or parts[0] != PREFIX:
        return None
    _, workspace_id, audit_id, agency_key, version, kind, signature = parts
    try:
        form_version = int(version)
    except ValueError:
        return None
    return FormIdentity(workspace_id, audit_id, agency_key, form_version, kind, signature)


def read_form_identity(path: Path) -> FormIdentity | None:
    """The identity in a .docx/.xlsx package's custom properties, or None.

    Call only after the file passed the pre-check (a zip, no DTDs, sizes bounded).
    """
    value = read_custom_property(path, PROPERTY_NAME)
    return None if value is None else decode_identity(value)


def read_custom_property(path: Path, name: str) -> str | None:
    """The text of one custom document property of a .docx/.xlsx package, or None."""
    try:
        with zipfile.ZipFile(path) as package:
            try:
                info = package.getinfo(CUSTOM_PART)
            except KeyError:
                return None
            if info.file_size > MAX_PART_BYTES:
                return None
            data = package.read(info)
    except (OSError, zipfile.BadZipFile):
        return None
    return parse_custom_properties(data).get(name)


def parse_custom_properties(data: bytes) -> dict[str, str]:
    """Every custom property in a docProps/custom.xml part, by name (the first of a name wins)."""
    if not data:
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return {}
    found: dict[str, str] = {}
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name")
        if name is not None and name not in found:
            found[name] = "".join(prop.itertext())
    return found
