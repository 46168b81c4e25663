"""Write what grading found: ``results.csv``, ``gradebook.csv``, per-student feedback, a summary.

* ``results.csv`` -- long format, one row per (file, question), or one row for a file whose
  exercise is unknown: student, exercise, question, points, max_points, status, runtime_s,
  message, file;
* ``gradebook.csv`` -- one row per student, one column per ``exercise/question``, and ``total``;
  when a student handed in several files for one exercise, the best-scoring file counts;
* ``feedback/<student>/<exercise>.md`` -- public tests in full, hidden tests as counts only.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pandas as pd

from course_utils.grading.model import Exercise
from course_utils.grading.scoring import QuestionResult

__all__ = [
    "RESULT_COLUMNS",
    "gradebook_frame",
    "results_frame",
    "summary_frame",
    "write_feedback",
    "write_reports",
]

RESULT_COLUMNS = [
    "student",
    "exercise",
    "question",
    "points",
    "max_points",
    "status",
    "runtime_s",
    "message",
    "file",
    "sandbox",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def results_frame(results: list[QuestionResult], exercises: dict[str, Exercise]) -> pd.DataFrame:
    """All result rows in a stable order (student, exercise, question order, file)."""
    order = {(name, q.id): q.number for name, e in exercises.items() for q in e.questions}
    frame = pd.DataFrame([r.row() for r in results], columns=RESULT_COLUMNS)
    frame["_order"] = [
        order.get((e, q), 0) for e, q in zip(frame["exercise"], frame["question"], strict=True)
    ]
    frame = frame.sort_values(["student", "exercise", "_order", "file"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def gradebook_frame(results: pd.DataFrame, exercises: dict[str, Exercise]) -> pd.DataFrame:
    """Student × question points, plus ``total`` (best file per student and exercise).

    Columns cover the exercises that at least one file was handed in for.
    """
    handed_in = sorted(set(results["exercise"]) & set(exercises))
    columns = [f"{name}/{q.id}" for name in handed_in for q in exercises[name].questions]
    graded = results[results["exercise"].isin(handed_in)]
    totals = (
        graded.groupby(["student", "exercise", "file"], sort=True)["points"].sum().reset_index()
    )
    best = totals.sort_values(
        ["student", "exercise", "points", "file"], ascending=[True, True, False, True]
    )
    best = best.drop_duplicates(["student", "exercise"])
    kept = graded.merge(best[["student", "exercise", "file"]], on=["student", "exercise", "file"])
    kept = kept.assign(column=kept["exercise"] + "/" + kept["question"])
    book = kept.pivot_table(index="student", columns="column", values="points", aggfunc="max")
    students = sorted(results["student"].unique())
    book = book.reindex(index=students, columns=columns).fillna(0.0)
    book["total"] = book.sum(axis=1)
    book.index.name = "student"
    book.columns.name = None
    return book.reset_index()


def summary_frame(results: pd.DataFrame) -> pd.DataFrame:
    """Per exercise: notebooks graded, mean and best total, and how many questions had each status."""
    if results.empty:
        return pd.DataFrame()
    frame = results.assign(exercise=results["exercise"].replace("", "(unknown)"))
    per_file = frame.groupby(["exercise", "file"])[["points", "max_points"]].sum().reset_index()
    summary = per_file.groupby("exercise").agg(
        notebooks=("file", "count"),
        mean_points=("points", "mean"),
        best_points=("points", "max"),
        max_points=("max_points", "max"),
    )
    counts = frame.pivot_table(
        index="exercise", columns="status", values="question", aggfunc="count"
    )
    summary = summary.join(counts.fillna(0).astype(int))
    summary["mean_points"] = summary["mean_points"].round(2)
    summary.columns.name = None
    return summary.reset_index()


def write_feedback(results: list[QuestionResult], folder: Path) -> list[Path]:
    """One Markdown feedback file per submitted file; returns the paths written.

    Each student gets a folder of their own: the name keeps its letters (any script), and two
    names that would map to the same folder (``Bjørn``, ``Bjårn`` -> ``Bj_rn`` elsewhere, or
    ``Ana``/``ana`` on a case-insensitive disk) are told apart by a numbered suffix.
    """
    by_file: dict[str, list[QuestionResult]] = {}
    for result in results:
        by_file.setdefault(result.file, []).append(result)
    folders = student_folders(sorted({r.student for r in results}))
    written: list[Path] = []
    used: set[str] = set()
    for file in sorted(by_file):
        rows = by_file[file]
        first = rows[0]
        name = _safe(first.exercise or Path(file).stem)
        base = folders[first.student]
        path = folder / base / f"{name}.md"
        number = 2
        while str(path).casefold() in used:
            path = folder / base / f"{name}-{number}.md"
            number += 1
        used.add(str(path).casefold())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_feedback_text(rows), encoding="utf-8")
        written.append(path)
    return written


def student_folders(students: list[str]) -> dict[str, str]:
    """A distinct, file-system-safe folder name per student (stable: sorted input)."""
    taken: set[str] = set()
    folders: dict[str, str] = {}
    for student in sorted(students):
        base = _safe(student)
        candidate, number = base, 2
        while candidate.casefold() in taken:
            candidate = f"{base}-{number}"
            number += 1
        taken.add(candidate.casefold())
        folders[student] = candidate
    return folders


def write_reports(
    results: list[QuestionResult], exercises: dict[str, Exercise], out: Path
) -> pd.DataFrame:
    """Write results.csv, gradebook.csv and feedback/ under ``out``; return the results frame."""
    out.mkdir(parents=True, exist_ok=True)
    frame = results_frame(results, exercises)
    spreadsheet_safe(frame).to_csv(out / "results.csv", index=False, float_format="%g")
    gradebook = gradebook_frame(frame, exercises)
    spreadsheet_safe(gradebook).to_csv(out / "gradebook.csv", index=False, float_format="%g")
    write_feedback(results, out / "feedback")
    return frame


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a spreadsheet formula (OWASP's CSV-injection rule:
    a cell beginning with ``= + - @``, tab or carriage return gets a leading apostrophe)."""
    safe = frame.copy()
    safe.columns = [_neutral(c) if isinstance(c, str) else c for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype) in ("str", "string"):
            safe[column] = (
                safe[column].map(lambda v: _neutral(v) if isinstance(v, str) else v).astype(object)
            )
    return safe


def _neutral(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _feedback_text(rows: list[QuestionResult]) -> str:
    first = rows[0]
    total = sum(r.points for r in rows)
    maximum = sum(r.max_points for r in rows)
    lines = [
        f"# Feedback: {first.exercise or 'unrecognised file'}",
        "",
        f"Student: {_md(first.student)} · File: `{_md(first.file)}`",
        "",
        f"**Score: {total:g} / {maximum:g}**",
        "",
    ]
    if not first.question:
        return "\n".join(
            [*lines, f"This file was not graded ({first.status}): {_md(first.message)}", ""]
        )
    lines += ["| Question | Points | Status |", "|---|---|---|"]
    lines += [f"| {r.question} | {r.points:g} / {r.max_points:g} | {r.status} |" for r in rows]
    for r in rows:
        lines += ["", f"## {r.question}: {r.points:g} / {r.max_points:g} ({r.status})", ""]
        if r.public_tests:
            lines.append("Public tests:")
            lines.append("")
            for test in r.public_tests:
                text = " ".join(test.text.split())
                verdict = _VERDICTS.get(test.status, test.status.replace("_", " "))
                detail = f": {_md(test.message)}" if test.message else ""
                lines.append(f"- {verdict}: `{_md(text)}`{detail}")
            lines.append("")
        hidden = r.hidden_passed + r.hidden_failed
        if hidden:
            lines.append(f"Hidden tests: {r.hidden_passed} passed, {r.hidden_failed} failed.")
            lines.append("")
        if r.message and r.status != "ok":
            lines.append(f"What happened: {_md(r.message)}")
        elif r.message:
            lines.append(f"Notes: {_md(r.message)}")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip() + "\n"


_VERDICTS = {"error": "raised an error", "interrupted": "was interrupted"}


def _md(text: str) -> str:
    """Quoted text made inert in Markdown: no HTML, no code-span or table breaks."""
    return html.escape(text, quote=False).replace("`", "'").replace("|", "/")


def _safe(name: str) -> str:
    text = unicodedata.normalize("NFC", name)
    cleaned = re.sub(r"[^\w.-]+", "_", text).strip("._")[:80]
    return cleaned or "unknown"
