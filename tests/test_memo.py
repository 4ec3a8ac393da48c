"""memo.py: short strings judged once; values kept per live object."""

from __future__ import annotations

from pipeline.memo import CACHED_LENGTH, PerObject, short_text_cache
from pipeline.validate import is_blank


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


def test_a_sized_memo_keeps_only_its_latest_strings() -> None:
    calls: list[str] = []

    def echo(text: str) -> str:
        calls.append(text)
        return text

    kept = short_text_cache(echo, size=1)
    assert [kept("a"), kept("a"), kept("b"), kept("a")] == ["a", "a", "b", "a"]
    assert calls == ["a", "b", "a"]


def test_blank_answers_are_the_same_whether_short_or_long() -> None:
    assert is_blank("  Click or tap here to enter text. ")
    assert is_blank(" " * (CACHED_LENGTH + 5) + "choose   an item" + "\n" * CACHED_LENGTH)
    assert not is_blank("Yes")
    assert not is_blank(" " * CACHED_LENGTH + "Yes")


class Owner:
    """An object kept by identity (two owners may be equal and still each get their own)."""


def test_a_value_is_made_once_per_owner_and_again_for_another() -> None:
    made: list[Owner] = []

    def make(owner: Owner) -> list[Owner]:
        made.append(owner)
        return [owner]

    kept = PerObject(make, limit=2)
    first, second, third = Owner(), Owner(), Owner()
    assert kept.get(first) is kept.get(first)
    assert kept.get(second) == [second]
    assert made == [first, second]
    # Past the limit the memo starts afresh, so the first owner's value is made again.
    kept.get(third)
    assert kept.get(first) == [first]
    assert made == [first, second, third, first]
