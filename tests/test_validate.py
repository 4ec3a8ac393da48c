"""validate.py: blank answers, and the memo that keeps repeated short answers cheap."""

from __future__ import annotations

from pipeline.validate import CACHED_LENGTH, is_blank, short_text_cache


def test_short_strings_are_judged_once_and_long_text_every_time() -> None:
    calls: list[str] = []

    @short_text_cache
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    long_text = "x" * (CACHED_LENGTH + 1)
    assert [shout("yes"), shout("yes"), shout(long_text), shout(long_text)] == [
        "YES",
        "YES",
        long_text.upper(),
        long_text.upper(),
    ]
    assert calls == ["yes", long_text, long_text]


def test_blank_answers_are_the_same_whether_short_or_long() -> None:
    assert is_blank("  Click or tap here to enter text. ")
    assert is_blank(" " * (CACHED_LENGTH + 5) + "choose   an item" + "\n" * CACHED_LENGTH)
    assert not is_blank("Yes")
    assert not is_blank(" " * CACHED_LENGTH + "Yes")
