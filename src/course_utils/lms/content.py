"""What both quiz formats need from a spec: HTML texts, accepted numeric ranges, ordering labels."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from course_utils.selfcheck.render import inline
from course_utils.selfcheck.rules import (
    format_number,
    numeric_tolerance,
    question_salt,
    shown_order,
)

_TAG = re.compile(r"<[^>]+>")


def to_html(text: str | None) -> str:
    """Inline Markdown to HTML exactly as the book renders it (raw HTML shows as text)."""
    return inline(text) if text else ""


def to_plain(text: str | None) -> str:
    """The visible text of :func:`to_html` (for LMS fields that take no HTML)."""
    return html.unescape(_TAG.sub("", to_html(text))).strip()


def number(value: float) -> str:
    """A float as short text without binary noise (``0.383``, ``25``)."""
    return format_number(round(float(value), 12))


@dataclass(frozen=True)
class NumericAnswer:
    """One accepted numeric interval, ``value`` ± ``tolerance``."""

    value: float
    tolerance: float

    @property
    def low(self) -> float:
        return self.value - self.tolerance

    @property
    def high(self) -> float:
        return self.value + self.tolerance


def numeric_answers(spec: dict[str, Any]) -> list[NumericAnswer]:
    """The accepted intervals: the answer ± its tolerance, and for a question that takes
    percentages also the same value written as a percentage without the sign (0.25 -> 25)."""
    answer = float(spec["answer"])
    tol = numeric_tolerance(answer, spec.get("tolerance"))
    answers = [NumericAnswer(answer, tol)]
    if spec.get("percent"):
        answers.append(NumericAnswer(answer * 100, tol * 100))
    return answers


def numeric_note(spec: dict[str, Any]) -> str:
    """A line added to a numeric prompt: the unit, and how to type a share (LMS fields take no ``%``)."""
    parts = []
    if spec.get("percent"):
        parts.append("Give a share such as 0.25 or a percentage without the % sign, such as 25.")
    if spec.get("unit"):
        parts.append(f"Unit: {html.escape(spec['unit'])}.")
    return " ".join(parts)


def prompt_html(spec: dict[str, Any]) -> str:
    """The prompt as HTML, with the numeric note when there is one."""
    body = f"<p>{to_html(spec['prompt'])}</p>"
    if spec["type"] == "numeric" and numeric_note(spec):
        body += f"<p><em>{numeric_note(spec)}</em></p>"
    if spec["type"] == "ordering":
        body += "<p><em>Match each item to its place in the order.</em></p>"
    return body


def feedback(spec: dict[str, Any], key: str) -> str:
    """One of the question's feedback texts (``correct``, ``incorrect``...) as HTML, or ''."""
    return to_html((spec.get("feedback") or {}).get(key))


def ordering_shown(spec: dict[str, Any]) -> list[int]:
    """The items' indices in the order the book shows them (never the right order)."""
    return shown_order(len(spec["items"]), question_salt(spec))


def position_label(position: int) -> str:
    """``1`` -> ``Position 1`` (the matching side of an ordering question)."""
    return f"Position {position}"
