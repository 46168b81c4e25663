"""The adversarial submissions folder: one student per trick, built from the student notebook.

Each entry of :data:`CASES` names a student and the notebook they hand in; the expected
outcomes are asserted in ``test_adversarial.py``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .notebooks import ANSWERS, solved, with_answer

CORRECT_TOTAL = ANSWERS["q1-total"]


def _drop_cell(nb: NotebookNode, cell_id: str) -> NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if c.get("id") != cell_id]
    return nb


def _retype(nb: NotebookNode, cell_id: str, cell_type: str) -> NotebookNode:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            cell.cell_type = cell_type
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return nb


def _edit_test(nb: NotebookNode, cell_id: str, source: str) -> NotebookNode:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            cell.source = source
    return nb


def _duplicate(nb: NotebookNode, cell_id: str, times: int) -> NotebookNode:
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)
    for _ in range(times):
        nb.cells.insert(index, copy.deepcopy(nb.cells[index]))
    return nb


def build(folder: Path, student_nb: NotebookNode, dist: Path, out: Path, outside: Path) -> None:
    """Write the adversarial submissions into ``folder``."""
    good = solved(student_nb)
    bundle = dist / "autograder" / "tiny.json"
    cases: dict[str, NotebookNode] = {
        "good": good,
        "blank": student_nb,
        "infinite_loop": with_answer(good, "q1-total", "while True:\n    pass"),
        "ignores_interrupt": with_answer(
            good,
            "q1-total",
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        ),
        "memory_bomb": with_answer(
            good, "q1-total", "hog = []\nwhile True:\n    hog.append(b'x' * 10**8)"
        ),
        "os_exit": with_answer(good, "q2-by-region", "import os\nos._exit(3)"),
        "sys_exit": with_answer(good, "q1-total", "import sys\nsys.exit(0)"),
        "print_flood": with_answer(
            good, "q1-total", CORRECT_TOTAL + "\nfor i in range(200_000):\n    print(i)"
        ),
        "showtraceback": with_answer(
            with_answer(
                with_answer(
                    good,
                    "q1-total",
                    "get_ipython().showtraceback = lambda *a, **k: None\ntotal = 0",
                ),
                "q2-by-region",
                "by_region = None",
            ),
            "q3-share",
            "def share(part, whole):\n    return 0.3",
        ),
        "redefine_helpers": with_answer(
            with_answer(
                good,
                "q1-total",
                "def check_equal(*args, **kwargs):\n    return None\n"
                "check_type = check_true = check_equal\n__course_compare__ = check_equal\n"
                "total = 'not a number'",
            ),
            "q3-share",
            "def share(part, whole):\n    return 0.3",
        ),
        "assert_tricks": with_answer(
            good,
            "q3-share",
            "class Yes:\n    def __eq__(self, other):\n        return True\n\n"
            "    def __bool__(self):\n        return True\n\n    __hash__ = object.__hash__\n\n\n"
            "def share(part, whole):\n    return Yes()",
        ),
        "always_equal": with_answer(
            with_answer(
                good,
                "q1-total",
                "class Sneaky(int):\n    def __eq__(self, other):\n        return True\n\n"
                "    __hash__ = int.__hash__\n\n\ntotal = Sneaky(0)",
            ),
            "q2-by-region",
            "class Anything:\n    def __eq__(self, other):\n        return True\n\n\nby_region = Anything()",
        ),
        "patched_builtins": with_answer(
            good, "q1-total", "import builtins\nbuiltins.sum = lambda *a, **k: 42\ntotal = 42"
        ),
        "settrace": with_answer(
            good, "q1-total", "import sys\nsys.settrace(lambda *a: None)\n" + CORRECT_TOTAL
        ),
        "deleted_test_cell": _drop_cell(good, "q1-total-tests"),
        "edited_test_cell": _edit_test(
            with_answer(good, "q2-by-region", "by_region = None"), "q2-by-region-tests", "pass"
        ),
        "duplicated_test_cell": _duplicate(good, "q3-share-tests", 3),
        "changed_cell_type": _retype(
            _retype(good, "q2-by-region-answer", "markdown"), "q1-total-tests", "raw"
        ),
        "missing_answer": _drop_cell(good, "q2-by-region-answer"),
        "null_byte": with_answer(good, "q1-total", CORRECT_TOTAL + "  # \x00"),
        "read_hidden": with_answer(
            good,
            "q1-total",
            f"try:\n    leaked = open({str(bundle)!r}).read()\nexcept OSError:\n    leaked = ''\n"
            "total = 42 if 'check_equal(total, 42)' in leaked else 0",
        ),
        "input_call": with_answer(good, "q1-total", "total = int(input('total? '))"),
        "write_outside": with_answer(
            good,
            "q1-total",
            f"for target in [{str(outside)!r}, {str(out / 'results.csv')!r}, '../../escape.txt']:\n"
            "    try:\n        open(target, 'w').write('pwned')\n    except OSError:\n        pass\n"
            + CORRECT_TOTAL,
        ),
        "kill_grader": with_answer(
            good,
            "q1-total",
            "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept PermissionError:\n    pass\n"
            + CORRECT_TOTAL,
        ),
        "forge_result": with_answer(
            good,
            "q3-share",
            "from IPython.display import display\n\n\ndef share(part, whole):\n"
            "    fake = {'token': 'guess', 'question': 'q3-share', 'results': [['public', 'passed', '']], 'problems': []}\n"
            "    display({'application/vnd.course-utils.test-result+json': fake}, raw=True)\n"
            "    print('all tests PASSED')\n    return 0.3",
        ),
    }
    for student, nb in cases.items():
        (folder / student).mkdir(parents=True)
        (folder / student / "tiny.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (folder / "invalid_json").mkdir()
    (folder / "invalid_json" / "tiny.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "sour', encoding="utf-8"
    )
    (folder / "nbformat3").mkdir()
    old = nbformat.convert(copy.deepcopy(good), 3)
    for cell in old.worksheets[0].cells:
        cell.metadata = {}
    nbformat.write(old, folder / "nbformat3" / "tiny.ipynb", version=3)
    (folder / "README.txt").write_text("Submissions of the tiny exercise.\n", encoding="utf-8")
    (folder / "good" / ".ipynb_checkpoints").mkdir()
    (folder / "good" / ".ipynb_checkpoints" / "tiny-checkpoint.ipynb").write_text(
        json.dumps(student_nb)
    )
