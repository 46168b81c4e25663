"""``course quiz export`` and ``course scorm``: the course inside an instructor's LMS."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from course_utils.lms.collect import collect
from course_utils.lms.errors import LmsExportError
from course_utils.lms.moodle import ORDERING_MODES, moodle_xml
from course_utils.lms.qti import qti_zip
from course_utils.lms.scorm import VERSIONS, scorm_package


def _export(args: argparse.Namespace) -> int:
    try:
        chapters = collect(args.source, chapter=args.chapter)
        data = (qti_zip(chapters) if args.format == "qti"
                else moodle_xml(chapters, ordering=args.ordering))
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except (LmsExportError, OSError) as exc:
        print(f"course quiz export: {exc}", file=sys.stderr)
        return 1
    counts = Counter(q["type"] for c in chapters for q in c.questions)
    total = sum(counts.values())
    kinds = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    print(f"Wrote {out} ({args.format}): {total} questions in {len(chapters)} chapters ({kinds})")
    return 0


def _scorm(args: argparse.Namespace) -> int:
    try:
        report = scorm_package(args.html_dir, args.out, version=args.version)
    except (LmsExportError, OSError) as exc:
        print(f"course scorm: {exc}", file=sys.stderr)
        return 1
    questions = sum(len(s.questions) for s in report.scos)
    print(f"Wrote {args.out} (SCORM {report.version}): {len(report.scos)} SCOs, "
          f"{questions} self-checks, {report.files} files")
    return 0


def add_lms_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``quiz export`` and ``scorm`` to the ``course`` command."""
    quiz = subparsers.add_parser("quiz", help="export the self-check banks for an LMS")
    quiz_sub = quiz.add_subparsers(dest="quiz_command", metavar="ACTION")
    export = quiz_sub.add_parser("export", help="self-checks as a Canvas/Blackboard QTI 1.2 zip or Moodle XML")
    export.add_argument("source", metavar="BANK_OR_BOOK_DIR",
                        help="a question bank (.yml), a page (.md) or a book folder")
    export.add_argument("--format", choices=("qti", "moodle"), required=True)
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--chapter", help="only this chapter (its folder name or a prefix, e.g. 01)")
    export.add_argument("--ordering", choices=ORDERING_MODES, default="matching",
                        help="Moodle only: ordering questions as core 'matching' (default) or as the "
                             "'ordering' question type")
    export.set_defaults(func=_export)
    quiz.set_defaults(func=lambda args: (quiz.print_help(), 2)[1])
    scorm = subparsers.add_parser("scorm", help="package the built book as SCORM (one SCO per chapter)")
    scorm.add_argument("html_dir", metavar="BOOK_HTML_DIR", help="the built book, e.g. _build/html")
    scorm.add_argument("--out", required=True, metavar="FILE")
    scorm.add_argument("--version", choices=VERSIONS, default="1.2")
    scorm.set_defaults(func=_scorm)
