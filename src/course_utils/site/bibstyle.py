"""A pybtex style whose bibliography labels read like the citations: "Bernhart, 2018".

The course cites with ``bibtex_reference_style: author_year`` ("(Bernhart, 2018)"), but pybtex's
``plain`` style labels the list [1]-[40], so a reader cannot find a citation in the list by its
text. ``course_author_year`` is ``plain`` (same entries, same author-year-title order) with
author-year labels; two works by the same author in the same year get "2018a", "2018b".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

NAME = "course_author_year"


def _plain(latex: str) -> str:
    """``{Colt{ }Technology}`` or ``Cr{\\'e}pin`` as plain text."""
    return " ".join(Text.from_latex(latex).render_as("text").split())


def _surname(person) -> str:
    return _plain(" ".join(person.prelast_names + person.last_names)) or _plain(str(person))


def author_year(entry) -> str:
    """The label of one entry: surnames (two, or the first "et al.") and the year or "n.d."."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in people]
    if not names:
        who = _plain(
            entry.fields.get("organization", "")
            or entry.fields.get("howpublished", "")
            or entry.fields.get("title", "Anonymous")
        )
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    year = _plain(entry.fields.get("year", "")) or "n.d."
    return f"{who}, {year}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Surname, Year"; repeated labels get a, b, c after the year."""

    def format_labels(self, sorted_entries: Iterable) -> Iterator[str]:
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        total = Counter(labels)
        seen: Counter[str] = Counter()
        for label in labels:
            if total[label] > 1:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` with author-year labels."""

    default_label_style = AuthorYearLabelStyle


def register() -> None:
    """Make ``bibtex_default_style: course_author_year`` available (idempotent)."""
    register_plugin("pybtex.style.formatting", NAME, AuthorYearStyle)
