"""The answer scales the report counts: their order, which end is good, abbreviations and colours."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.definitions import Question


@dataclass(frozen=True)
class Level:
    """One answer on a scale: its table abbreviation, cell colour and whether it is good (+1) or not (-1)."""

    abbr: str
    fill: str
    polarity: int


# Fills are light enough for black text and differ in lightness, so a grid still reads in
# greyscale; the abbreviation in each cell carries the meaning for readers who cannot see colour.
SCALES: dict[str, dict[str, Level]] = {
    "grade": {
        "Outstanding": Level("O", "8CC084", 1),
        "Good": Level("G", "D5EBCF", 1),
        "Requires improvement": Level("RI", "FFE08A", -1),
        "Inadequate": Level("I", "F19C8C", -1),
    },
    "rating": {
        "Fully met": Level("FM", "8CC084", 1),
        "Mostly met": Level("MM", "D5EBCF", 1),
        "Partially met": Level("PM", "FFE08A", -1),
        "Not met": Level("NM", "F19C8C", -1),
        "Not applicable": Level("N/A", "E7E6E6", 0),
    },
    "yesno": {"Yes": Level("Y", "D5EBCF", 1), "No": Level("N", "F19C8C", -1)},
    "yesnopartly": {
        "Yes": Level("Y", "D5EBCF", 1),
        "Partly": Level("P", "FFE08A", 0),
        "No": Level("N", "F19C8C", -1),
    },
}
POSITIVE_LABEL = {
    "grade": "Good or better",
    "rating": "fully or mostly met",
    "yesno": "Yes",
    "yesnopartly": "Yes",
}
NEGATIVE_LABEL = {
    "grade": "Requires improvement or Inadequate",
    "rating": "partially or not met",
    "yesno": "No",
    "yesnopartly": "No",
}
NO_ANSWER_FILL = "FFFFFF"


def level(question_type: str, value: str) -> Level | None:
    """The scale level of one answer, or None for choices and unknown answers."""
    return SCALES.get(question_type, {}).get(value)


def has_polarity(question: Question) -> bool:
    """Whether a question's answers can be called good or bad (choices cannot)."""
    return question.type in SCALES


def counted(question: Question, values: list[str]) -> tuple[int, int, int]:
    """Positive, negative and applicable answers among `values` (Not applicable is left out)."""
    scale = SCALES.get(question.type, {})
    levels = [scale[v] for v in values if v in scale and v != "Not applicable"]
    positive = sum(1 for lv in levels if lv.polarity > 0)
    negative = sum(1 for lv in levels if lv.polarity < 0)
    return positive, negative, len(levels)
