"""The one error type of the self-checks: a bad question, told in one line."""

from __future__ import annotations


class SelfCheckError(ValueError):
    """A question spec is wrong; ``str()`` is one line naming file, line, question id and problem."""

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None,
                 qid: str | None = None) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        self.qid = qid
        super().__init__(self.one_line())

    def where(self) -> str:
        """``file:line`` (or whichever part is known), empty when neither is."""
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or (f"line {self.line}" if self.line else "")

    def one_line(self, *, with_where: bool = True) -> str:
        """The message on one line: ``file:line: self-check 'id': problem``."""
        who = f"self-check '{self.qid}'" if self.qid else "self-check (id unknown)"
        text = f"{who}: {self.problem}"
        where = self.where() if with_where else ""
        return (f"{where}: {text}" if where else text).replace("\n", " ")

    def located(self, file: str | None = None, line: int | None = None) -> SelfCheckError:
        """Return a copy with the file and line filled in where they were not known."""
        return SelfCheckError(self.problem, file=self.file or file, line=self.line or line,
                              qid=self.qid)
