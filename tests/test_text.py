"""text.py: the one sanitiser every writer uses, and the one textwrap-equivalent fill."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from pipeline.text import REPLACEMENT, XML_ILLEGAL, wrap, xml_safe

C0_ILLEGAL = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"]
NONCHARACTERS = ["\ufffe", "\uffff"]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
ILLEGAL = C0_ILLEGAL + NONCHARACTERS + LONE_SURROGATES
# Every code point XML 1.0 allows.
LEGAL_TEXT = st.text(
    st.characters(
        exclude_categories=("Cs",), exclude_characters="".join(C0_ILLEGAL + NONCHARACTERS)
    ),
    max_size=200,
)
ANY_TEXT = st.text(
    st.one_of(st.characters(), st.sampled_from(ILLEGAL)),
    max_size=200,
)


def _xml_text(text: str) -> str:
    """The text after a round trip through a real XML serialiser (which refuses illegal text)."""
    element = etree.Element("t")
    element.text = text
    parsed = etree.fromstring(etree.tostring(element, encoding="utf-8"))
    return parsed.text or ""


@pytest.mark.parametrize("char", ILLEGAL, ids=lambda c: f"U+{ord(c):04X}")
def test_every_illegal_character_is_replaced_visibly(char: str) -> None:
    assert xml_safe(f"a{char}b") == (f"a{REPLACEMENT}b", 1)


@pytest.mark.parametrize("char", ILLEGAL[:3] + NONCHARACTERS + LONE_SURROGATES[:1])
def test_lxml_refuses_what_the_sanitiser_replaces(char: str) -> None:
    # Why the sanitiser exists: the writers' own XML library will not take these characters.
    with pytest.raises((ValueError, UnicodeEncodeError)):
        _xml_text(f"a{char}b")


def test_tab_and_line_breaks_are_kept() -> None:
    assert xml_safe("tab\there\nnew line\r\nend") == ("tab\there\nnew line\r\nend", 0)


def test_each_replacement_is_counted() -> None:
    assert xml_safe("a\x00b\x0bc\ufffed\ud800e\x1f") == ("a\ufffdb\ufffdc\ufffdd\ufffde\ufffd", 5)


@given(LEGAL_TEXT)
@example("\ud7ff\ue000\ufffd\U0010ffff \x7f\x85")
def test_legal_text_is_unchanged(text: str) -> None:
    assert xml_safe(text) == (text, 0)


@given(ANY_TEXT)
def test_sanitised_text_is_legal_and_the_same_length(text: str) -> None:
    cleaned, count = xml_safe(text)
    assert XML_ILLEGAL.search(cleaned) is None
    assert len(cleaned) == len(text)
    assert count == sum(1 for char in text if XML_ILLEGAL.match(char))
    assert [a for a, b in zip(cleaned, text, strict=True) if a != b] == [REPLACEMENT] * count


@given(ANY_TEXT)
def test_sanitising_twice_changes_nothing_more(text: str) -> None:
    cleaned, _ = xml_safe(text)
    assert xml_safe(cleaned) == (cleaned, 0)


@given(ANY_TEXT)
def test_sanitised_text_survives_a_real_xml_round_trip(text: str) -> None:
    cleaned, _ = xml_safe(text)
    # lxml writes CR as a character reference, so even line endings come back as they went in.
    assert _xml_text(cleaned) == cleaned


@given(
    st.lists(st.text(alphabet="abcdefghij  \xa0\u2003-\t", max_size=14), max_size=30),
    st.sampled_from([" ", "  ", "   "]),
    st.integers(min_value=8, max_value=80),
    st.sampled_from(["", "  ", "      "]),
    st.sampled_from(["", "   "]),
)
@example(["aa \xa0", "a"], " ", 10, "", "")
@example(["2026-05-14", "a-", "-b\xa0"], " ", 40, "  ", "")
@example(["-", "a-b"], "  ", 8, "  ", "   ")
def test_wrap_is_textwrap(words: list[str], gap: str, width: int, first: str, hang: str) -> None:
    text = gap.join(words)
    expected = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=first + hang)
    assert wrap(text, width, first, first + hang) == expected
