"""Row heights in the patched Tracker sheet: lines counted as textwrap counts them."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from pipeline.tracker.sheet_write import _lines

paragraphs = st.text(alphabet=st.sampled_from("ab \t\r\x0b\x0c\u00a0é-"), max_size=60)


@given(paragraphs, st.integers(min_value=1, max_value=40))
def test_lines_are_textwraps_lines(text: str, width: int) -> None:
    assert _lines(text, width) == (len(textwrap.wrap(text, width)) or 1)


def test_short_text_is_one_line_and_long_text_wraps() -> None:
    assert _lines("Safeguarding lead", 20) == 1
    assert _lines("\t\tx", 4) == len(textwrap.wrap("\t\tx", 4)) == 1
    assert _lines("word " * 10, 10) == 5
