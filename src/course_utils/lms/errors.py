"""The one error type of the LMS exports: bad input, told in one line."""

from __future__ import annotations


class LmsExportError(ValueError):
    """An export or package cannot be made; ``str()`` is one line naming file, item and problem."""

    def __init__(self, problem: str, *, file: str | None = None, item: str | None = None) -> None:
        self.problem = problem
        self.file = file
        self.item = item
        parts = [p for p in (file, f"item '{item}'" if item else None) if p]
        text = f"{': '.join(parts)}: {problem}" if parts else problem
        super().__init__(" ".join(text.split()))
