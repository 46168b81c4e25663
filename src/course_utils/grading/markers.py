"""nbgrader-compatible region markers inside cell sources.

Answer cells mark the instructor's solution with ``### BEGIN SOLUTION`` / ``### END SOLUTION``;
test cells mark hidden tests with ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``.
A marker stands alone on its line (indentation allowed). Regions may not nest.

This module only parses and rewrites text; which cell may hold which region is checked by
:mod:`course_utils.grading.model`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HIDDEN",
    "SOLUTION",
    "Block",
    "Segment",
    "MarkerError",
    "find_blocks",
    "public_and_hidden_segments",
    "remove_hidden_tests",
    "replace_solutions",
    "split_hidden_tests",
]

SOLUTION = "SOLUTION"
HIDDEN = "HIDDEN TESTS"

_MARKER = re.compile(
    r"^(?P<indent>[ \t]*)###[ \t]*(?P<edge>BEGIN|END)[ \t]+(?P<kind>SOLUTION|HIDDEN TESTS)[ \t]*$"
)
_MARKER_ANYWHERE = re.compile(r"###[ \t]*(BEGIN|END)[ \t]+(SOLUTION|HIDDEN TESTS)")


class MarkerError(ValueError):
    """A marker problem inside one cell; ``line`` is 1-based within the cell."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Block:
    """One marked region: ``begin`` and ``end`` are the 0-based indices of its marker lines."""

    kind: str
    begin: int
    end: int
    indent: str


def find_blocks(source: str) -> list[Block]:
    """Return the marked regions of ``source`` in order; raise :class:`MarkerError` if malformed."""
    blocks: list[Block] = []
    open_kind: str | None = None
    open_line = 0
    open_indent = ""
    for index, line in enumerate(source.splitlines()):
        match = _MARKER.match(line)
        if match is None:
            if _MARKER_ANYWHERE.search(line):
                raise MarkerError(index + 1, "a '###' marker must stand alone on its line")
            continue
        kind, edge = match["kind"], match["edge"]
        if edge == "BEGIN":
            if open_kind is not None:
                raise MarkerError(
                    index + 1,
                    f"nested '### BEGIN {kind}' inside '### BEGIN {open_kind}' opened at line {open_line + 1}",
                )
            open_kind, open_line, open_indent = kind, index, match["indent"]
        else:
            if open_kind is None:
                raise MarkerError(
                    index + 1, f"'### END {kind}' without a matching '### BEGIN {kind}'"
                )
            if kind != open_kind:
                raise MarkerError(
                    index + 1,
                    f"'### END {kind}' closes '### BEGIN {open_kind}' opened at line {open_line + 1}",
                )
            blocks.append(Block(kind=kind, begin=open_line, end=index, indent=open_indent))
            open_kind = None
    if open_kind is not None:
        raise MarkerError(
            open_line + 1, f"unterminated '### BEGIN {open_kind}' (no '### END {open_kind}')"
        )
    return blocks


def solution_code(source: str) -> str:
    """The source of an answer cell as a solved submission holds it: the solution markers'
    own lines removed, everything else kept."""
    drop = {line for b in find_blocks(source) if b.kind == SOLUTION for line in (b.begin, b.end)}
    return "\n".join(line for number, line in enumerate(source.splitlines()) if number not in drop)


def notebook_solutions(notebook: Any) -> dict[str, str]:
    """The solution of every answer cell (nbgrader ``solution: true``) of ``notebook``, by cell
    id, as :func:`solution_code` gives it."""
    return {
        cell.id: solution_code(cell.source)
        for cell in notebook.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def replace_solutions(source: str, placeholder: list[str]) -> str:
    """Replace every solution region (markers included) by ``placeholder``, keeping its indentation.

    A source without solution markers is replaced as a whole, as nbgrader does.
    """
    blocks = [b for b in find_blocks(source) if b.kind == SOLUTION]
    if not blocks:
        return "\n".join(placeholder)
    lines = source.splitlines()
    out: list[str] = []
    cursor = 0
    for block in blocks:
        out.extend(lines[cursor : block.begin])
        out.extend(block.indent + text for text in placeholder)
        cursor = block.end + 1
    out.extend(lines[cursor:])
    return "\n".join(out)


def remove_hidden_tests(source: str) -> str:
    """Return ``source`` without its hidden-test regions (markers included)."""
    return split_hidden_tests(source)[0]


def split_hidden_tests(source: str) -> tuple[str, list[str]]:
    """Return the public part of a test cell and the body of each hidden region."""
    segments = public_and_hidden_segments(source)
    public = "\n".join(seg.text for seg in segments if seg.kind == "public")
    hidden = [seg.text for seg in segments if seg.kind == "hidden"]
    return public, hidden


@dataclass(frozen=True)
class Segment:
    """A run of public or hidden test lines; ``first_line`` is its 1-based line in the cell."""

    kind: str
    text: str
    first_line: int


def public_and_hidden_segments(source: str) -> list[Segment]:
    """Cut a test cell into ordered public and hidden segments (marker lines dropped)."""
    lines = source.splitlines()
    segments: list[Segment] = []
    cursor = 0
    for block in find_blocks(source):
        if block.kind != HIDDEN:
            continue
        if cursor < block.begin:
            segments.append(Segment("public", "\n".join(lines[cursor : block.begin]), cursor + 1))
        body = "\n".join(lines[block.begin + 1 : block.end])
        segments.append(Segment("hidden", body, block.begin + 2))
        cursor = block.end + 1
    if cursor < len(lines):
        segments.append(Segment("public", "\n".join(lines[cursor:]), cursor + 1))
    return segments
