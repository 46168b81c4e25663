"""Moodle XML: one category per chapter, the matching Moodle question types.

- single -> ``multichoice`` (single), 100 % for the right option;
- multiple -> ``multichoice`` (multiple answers): each right option 100/n %, each wrong
  option -100/n % (n = number of right options), so choosing everything earns nothing;
- numeric -> ``numerical`` with the tolerance as Moodle's error margin (and the percentage
  form for share questions); "too low" / "too high" feedback through 0 % answers that cover
  the values below and above the accepted range (not for share questions, whose two forms
  make the direction ambiguous);
- text -> ``shortanswer`` (case-insensitive) with every accepted answer at 100 % and the
  anticipated wrong answers at 0 % with their feedback;
- ordering -> ``matching`` (core Moodle; each item matched to its position) or, with
  ``ordering="native"``, the ``ordering`` type (a plugin, standard in recent Moodle releases).

Each question carries its self-check id as Moodle's ID number and as its name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from course_utils.lms.collect import Chapter
from course_utils.lms.content import (
    feedback,
    number,
    numeric_answers,
    ordering_shown,
    position_label,
    prompt_html,
    to_html,
)
from course_utils.lms.errors import LmsExportError

# Moodle's import refuses ("Error if grade not listed") fractions outside its list of grades.
MOODLE_GRADES = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0)
ORDERING_MODES = ("matching", "native")
BAND = 1e9
"""Width factor of the 0 % answers that catch values below / above the accepted range."""


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _text(parent: ET.Element, tag: str, html_text: str, fmt: str = "html") -> ET.Element:
    holder = _sub(parent, tag, format=fmt)
    _sub(holder, "text", html_text)
    return holder


def grade(percent: float, *, qid: str) -> str:
    """A Moodle fraction (in percent) from its list of grades, as Moodle writes it."""
    sign = -1 if percent < 0 else 1
    for allowed in MOODLE_GRADES:
        if abs(abs(percent) - allowed) < 1e-4:
            return number(sign * allowed)
    raise LmsExportError(f"Moodle has no grade of {percent:.5f}% (too many options marked correct)",
                         item=qid)


def _escape_wildcard(answer: str) -> str:
    """Moodle's short answers read ``*`` as a wildcard; a literal one is written ``\\*``."""
    return answer.replace("*", "\\*")


def _common(question: ET.Element, spec: dict[str, Any]) -> None:
    name = _sub(question, "name")
    _sub(name, "text", spec["id"])
    _text(question, "questiontext", prompt_html(spec))
    _text(question, "generalfeedback", to_html(spec.get("explanation")))
    _sub(question, "defaultgrade", "1")
    _sub(question, "penalty", "0.3333333")
    _sub(question, "hidden", "0")
    _sub(question, "idnumber", spec["id"])


def _combined_feedback(question: ET.Element, spec: dict[str, Any]) -> None:
    _text(question, "correctfeedback", feedback(spec, "correct"))
    _text(question, "partiallycorrectfeedback", feedback(spec, "incorrect"))
    _text(question, "incorrectfeedback", feedback(spec, "incorrect"))


def _hints(question: ET.Element, spec: dict[str, Any]) -> None:
    for hint in spec.get("hints", []):
        _text(question, "hint", to_html(hint))


def _answer(question: ET.Element, fraction: str, text: str, fb: str, fmt: str = "html") -> ET.Element:
    answer = _sub(question, "answer", fraction=fraction, format=fmt)
    _sub(answer, "text", text)
    _text(answer, "feedback", fb)
    return answer


def _multichoice(question: ET.Element, spec: dict[str, Any]) -> None:
    single = spec["type"] == "single"
    _sub(question, "single", "true" if single else "false")
    _sub(question, "shuffleanswers", "true")
    _sub(question, "answernumbering", "abc")
    _sub(question, "showstandardinstruction", "0")
    _combined_feedback(question, spec)
    _sub(question, "shownumcorrect")
    n_right = sum(1 for o in spec["options"] if o.get("correct"))
    for option in spec["options"]:
        if single:
            fraction = "100" if option.get("correct") else "0"
        else:
            fraction = grade((100 if option.get("correct") else -100) / n_right, qid=spec["id"])
        _answer(question, fraction, to_html(option["text"]), to_html(option.get("feedback")))


def _numerical(question: ET.Element, spec: dict[str, Any]) -> None:
    answers = numeric_answers(spec)
    for answer in answers:
        node = _answer(question, "100", number(answer.value), feedback(spec, "correct"), fmt="moodle_auto_format")
        _sub(node, "tolerance", number(answer.tolerance))
    scale = max(1.0, *(abs(a.value) for a in answers)) * BAND
    first = answers[0]
    for side, centre in (("too_low", first.low - scale), ("too_high", first.high + scale)):
        # A share question accepts 0.25 and 25: "higher than 0.25" would misjudge 20.
        if feedback(spec, side) and not spec.get("percent"):
            node = _answer(question, "0", number(centre), feedback(spec, side), fmt="moodle_auto_format")
            _sub(node, "tolerance", number(scale))
    node = _answer(question, "0", "*", feedback(spec, "incorrect"), fmt="moodle_auto_format")
    _sub(node, "tolerance", "0")
    _sub(question, "unitgradingtype", "0")
    _sub(question, "unitpenalty", "0")
    _sub(question, "showunits", "3")
    _sub(question, "unitsleft", "0")


def _shortanswer(question: ET.Element, spec: dict[str, Any]) -> None:
    _sub(question, "usecase", "0")
    for accepted in spec["answers"]:
        _answer(question, "100", _escape_wildcard(accepted), feedback(spec, "correct"), fmt="moodle_auto_format")
    for wrong in spec.get("wrong_answers", []):
        _answer(question, "0", _escape_wildcard(wrong["answer"]), to_html(wrong["feedback"]),
                fmt="moodle_auto_format")
    if feedback(spec, "incorrect"):
        _answer(question, "0", "*", feedback(spec, "incorrect"), fmt="moodle_auto_format")


def _matching(question: ET.Element, spec: dict[str, Any]) -> None:
    _sub(question, "shuffleanswers", "true")
    _combined_feedback(question, spec)
    _sub(question, "shownumcorrect")
    n = len(spec["items"])
    for index in ordering_shown(spec):
        sub = _sub(question, "subquestion", format="html")
        _sub(sub, "text", to_html(spec["items"][index]))
        _sub(_sub(sub, "answer"), "text", position_label(index + 1))
    if n < 3:  # Moodle wants at least three answers: one more position that no item takes
        sub = _sub(question, "subquestion", format="html")
        _sub(sub, "text", "")
        _sub(_sub(sub, "answer"), "text", position_label(n + 1))


def _ordering(question: ET.Element, spec: dict[str, Any]) -> None:
    _sub(question, "layouttype", "VERTICAL")
    _sub(question, "selecttype", "ALL")
    _sub(question, "selectcount", "0")
    _sub(question, "gradingtype", "ABSOLUTE_POSITION")
    _sub(question, "showgrading", "SHOW")
    _sub(question, "numberingstyle", "none")
    _combined_feedback(question, spec)
    _sub(question, "shownumcorrect")
    for position, item in enumerate(spec["items"], start=1):
        answer = _sub(question, "answer", fraction=str(position), format="html")
        _sub(answer, "text", to_html(item))


def question_element(spec: dict[str, Any], *, ordering: str = "matching") -> ET.Element:
    """One ``<question>`` for a validated spec."""
    qtype = spec["type"]
    moodle_type = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical",
                   "text": "shortanswer",
                   "ordering": "ordering" if ordering == "native" else "matching"}[qtype]
    question = ET.Element("question", {"type": moodle_type})
    _common(question, spec)
    if qtype in ("single", "multiple"):
        _multichoice(question, spec)
    elif qtype == "numeric":
        _numerical(question, spec)
    elif qtype == "text":
        _shortanswer(question, spec)
    elif ordering == "native":
        _ordering(question, spec)
    else:
        _matching(question, spec)
    _hints(question, spec)
    return question


def category_path(course: str, chapter: Chapter) -> str:
    """``$course$/top/<course>/<chapter title>`` (a ``/`` in a name is doubled, as Moodle wants)."""
    def part(name: str) -> str:
        return " ".join(name.split()).replace("/", "//")

    return f"$course$/top/{part(course)}/{part(chapter.title)}"


def moodle_xml(chapters: list[Chapter], *, course: str = "Course self-checks",
               ordering: str = "matching") -> bytes:
    """The Moodle XML document of ``chapters`` (same input, same bytes)."""
    if ordering not in ORDERING_MODES:
        raise LmsExportError(f"unknown ordering mode {ordering!r} (use {' or '.join(ORDERING_MODES)})")
    quiz = ET.Element("quiz")
    for chapter in chapters:
        if not chapter.questions:
            continue
        category = _sub(quiz, "question", type="category")
        _sub(_sub(category, "category"), "text", category_path(course, chapter))
        _text(category, "info", f"<p>Self-check questions of {to_html(chapter.title)}.</p>")
        _sub(category, "idnumber", f"course-{chapter.key}")
        for spec in chapter.questions:
            quiz.append(question_element(spec, ordering=ordering))
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n"
