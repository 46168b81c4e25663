"""The boundary itself: what crosses from grader to kernel and back, and where names come from.

* nothing of a test cell is ever sent to a kernel (a spy records every request);
* only answer names are read from the kernel; lab tables, modules and helpers come from the
  grader's own reference run, for every exercise of the course;
* what comes back is decoded into plain data or refused -- never an object with code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from course_utils.grading import runner
from course_utils.grading.batch import GradingJob, compile_exercise, grade_notebooks
from course_utils.grading.judge.statements import answer_names
from course_utils.grading.model import ANSWER, TEST, load_exercise
from course_utils.grading.protocol import KernelCallable, Opaque, ProtocolError, decode, encode
from course_utils.grading.sandbox import Limits
from course_utils.grading.submissions import Submission

from .notebooks import with_answer

pytestmark = pytest.mark.trust

REPO = Path(__file__).resolve().parents[2]
EXERCISES = sorted((REPO / "exercises").glob("*.ipynb"))


def test_no_test_text_is_ever_sent_to_a_kernel(monkeypatch) -> None:
    exercise = load_exercise(EXERCISES[0])
    sent: list[str] = []
    original = runner._Session.execute

    async def spy(self, code, *args, **kwargs):
        sent.append(code)
        return await original(self, code, *args, **kwargs)

    monkeypatch.setattr(runner._Session, "execute", spy)
    sub = Submission(
        exercise.path, "solution.ipynb", "solution", exercise.name, notebook=exercise.notebook
    )
    rows = grade_notebooks(
        [GradingJob(sub, exercise)], workers=1, limits=Limits(), deny=[], progress=False
    )
    assert sum(r.points for r in rows) == exercise.max_points  # the requests did their job
    tests = [c.source for c in exercise.cells if c.role == TEST]
    lines = {
        line.strip() for source in tests for line in source.splitlines() if len(line.strip()) > 8
    }
    assert len(lines) > 10 and len(sent) > 10
    for code in sent:
        for line in lines:
            assert line not in code


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_only_answer_names_are_read_from_the_kernel(path: Path) -> None:
    exercise = load_exercise(path)
    compiled = compile_exercise(exercise)
    answers = answer_names([c.source for c in exercise.cells if c.role == ANSWER])
    fetched = {name for names in compiled.fetch.values() for name in names}
    assert fetched and fetched <= answers
    for namespace in compiled.reference.before_test.values():
        assert not answers & set(namespace)  # a missing answer can never fall back to the solution
    assert compiled.reference.problems == []


def test_answer_names_are_the_top_level_bindings() -> None:
    source = (
        "import pandas as pd\nfrom x import y as z\nshare = 1\na, (b, *c) = 1, (2, 3)\nframe['col'] = 1\n"
        "obj.attr.x = 2\nfor i in []: pass\nwith open('f') as handle: pass\nif (n := 3): k = 4\n"
        "def f(share):\n    local = share\n    return local\nclass K: pass\ntry:\n    t = 1\nexcept E as e:\n    u = 2\n"
    )
    assert answer_names([source]) == {
        "pd",
        "z",
        "share",
        "a",
        "b",
        "c",
        "frame",
        "obj",
        "i",
        "handle",
        "n",
        "k",
        "f",
        "K",
        "t",
        "e",
        "u",
    }
    assert "local" not in answer_names([source])


@pytest.mark.parametrize(
    "value",
    [
        1,
        -2.5,
        float("nan"),
        "text",
        None,
        True,
        [1, [2, (3, 4)]],
        {"a": {1, 2}, 3: frozenset({4})},
        pd.DataFrame({"a": [1, 2], "b": ["x", None]}, index=["r", "s"]),
        pd.Series([1.5, 2.5], name="s"),
    ],
)
def test_values_round_trip_as_data(value) -> None:
    back = decode(json.loads(json.dumps(encode(value, _handles={}))))
    if hasattr(value, "equals"):
        assert value.equals(back)
    elif value != value:  # NaN
        assert back != back
    else:
        assert back == value and type(back) is type(value)


def test_objects_with_code_never_cross() -> None:
    class Sneaky(int):
        def __eq__(self, other):
            return True

    class Custom:
        pass

    handles: dict = {}
    assert type(decode(encode(Sneaky(3), _handles=handles))) is int
    assert isinstance(decode(encode(Custom(), _handles=handles)), Opaque)
    assert isinstance(decode(encode(len, _handles=handles)), KernelCallable)  # only a handle


@pytest.mark.parametrize(
    "data",
    [
        {"t": "pickle", "v": "gASV"},
        {"t": "ndarray", "dtype": "object", "shape": [2], "v": [1]},
        {"t": "np", "dtype": "O", "v": 1},
        {"t": "dict", "v": [[[1], 2]]},
        {"t": "float", "v": "1e999999"},
        {
            "t": "frame",
            "columns": {"t": "range", "start": 0, "stop": 1, "step": 1},
            "index": {"t": "range", "start": 0, "stop": 2, "step": 1},
            "data": [{"dtype": "int64", "v": [1]}],
        },
        {"t": "callable", "handle": "os.system"},
        {"t": "range", "start": 0, "stop": 1, "step": 0},
        # A few bytes from the kernel, a billion items to compare in the grader.
        {"t": "range", "start": 0, "stop": 10**18, "step": 1},
        {"t": "series", "index": {"t": "range", "start": 0, "stop": 10**12, "step": 1}, "v": []},
    ],
)
def test_malformed_values_are_refused(data) -> None:
    with pytest.raises(ProtocolError):
        decode(data)


def test_deep_values_are_refused() -> None:
    data: object = 1
    for _ in range(200):
        data = [data]
    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode(data)


def _grade_variants(source, exercise, question: str, bodies: dict[str, str]) -> list:
    """Grade one submission per ``bodies`` item (student name -> answer of ``question``)."""
    jobs = [
        GradingJob(
            Submission(
                Path(f"{who}.ipynb"),
                f"{who}.ipynb",
                who,
                exercise.name,
                notebook=with_answer(source, question, body),
            ),
            exercise,
        )
        for who, body in bodies.items()
    ]
    return grade_notebooks(jobs, workers=2, limits=Limits(), deny=[], progress=False)


def test_hidden_tests_may_draw_inputs_the_student_never_sees() -> None:
    """A hidden test with seeded random inputs (as book/instructor-grading.md shows): a right
    function passes, one hard-coded for the public example fails."""
    from course_utils.grading.model import exercise_from_notebook

    from .notebooks import tiny_source

    source = tiny_source()
    for cell in source.cells:
        if cell.get("id") == "q3-share-tests":
            cell.source = (
                "assert share(1, 4) == 0.25\n### BEGIN HIDDEN TESTS\nimport random\n"
                "rng = random.Random(2026)\nfor _ in range(5):\n"
                "    a, b = rng.randint(1, 1000), rng.randint(1, 1000)\n"
                "    check_close(share(a, b), a / b)\n### END HIDDEN TESTS"
            )
    exercise = exercise_from_notebook(source, Path("tiny.ipynb"))
    assert "rng.randint" in exercise.cell("q3-share-tests").source
    rows = _grade_variants(
        source,
        exercise,
        "q3-share",
        {
            "right": "def share(part, whole):\n    return part / whole",
            "hard_coded": "def share(part, whole):\n    return 0.25",
        },
    )
    share = {r.student: r for r in rows if r.question == "q3-share"}
    assert share["right"].status == "ok" and share["hard_coded"].status == "failed"
    assert "hidden tests: 1 of 1 failed" in share["hard_coded"].message


def test_names_locked_cells_derive_from_answers_come_from_the_kernel() -> None:
    """A locked cell after an answer that computes from it (``doubled = total * 2``): a test of
    ``doubled`` must judge the student's value, never the reference run's (which is right)."""
    import nbformat

    from course_utils.grading.model import exercise_from_notebook

    from .notebooks import tiny_source

    source = tiny_source()
    at = next(i for i, c in enumerate(source.cells) if c.get("id") == "q1-total-answer")
    derived = nbformat.v4.new_code_cell("doubled = total * 2")
    derived.id = "derived"
    source.cells.insert(at + 1, derived)
    for cell in source.cells:
        if cell.get("id") == "q1-total-tests":
            cell.source = "check_type(total, int)\n### BEGIN HIDDEN TESTS\ncheck_equal(doubled, 84)\n### END HIDDEN TESTS"
    exercise = exercise_from_notebook(source, Path("tiny.ipynb"))
    compiled = compile_exercise(exercise)
    assert "doubled" in compiled.fetch["q1-total"]
    assert "doubled" not in compiled.reference.before_test["q1-total"]
    rows = _grade_variants(
        source, exercise, "q1-total", {"right": "total = 42", "wrong": "total = 41"}
    )
    q1 = {r.student: r.status for r in rows if r.question == "q1-total"}
    assert q1 == {"right": "ok", "wrong": "failed"}


def _judge(statements_source: str, values: dict, reference: dict):
    """Judge a test cell on kernel ``values`` (already encoded) without a kernel."""
    import asyncio

    from course_utils.grading.judge.evaluate import KernelReply, judge_test_cell
    from course_utils.grading.judge.statements import compile_test_cell

    async def run(code: str, nonce: str) -> KernelReply:
        return KernelReply("ok", [json.dumps({"nonce": nonce, "values": values})])

    statements = compile_test_cell(statements_source)
    return asyncio.run(judge_test_cell(statements, sorted(values), reference, run))


def test_a_module_imported_in_an_answer_cell_is_the_graders_own() -> None:
    import numpy as np

    judged = _judge(
        "assert list(np.arange(answer)) == [0, 1, 2]",
        {"np": encode(np), "answer": 3},  # the kernel can only say "a module"
        {"np": np},
    )
    assert encode(np) == {"t": "opaque", "type": "module"}
    assert judged.passed, judged.outcomes


def test_a_test_that_changes_a_lab_table_changes_it_for_itself_only() -> None:
    table = pd.DataFrame({"spend": [1, 2, 3]})
    reference = {"table": table}
    changing = "table['spend'] = table['spend'] * 0\nassert table['spend'].sum() == 0"
    assert _judge(changing, {"answer": 1}, reference).passed
    assert table["spend"].sum() == 6, "the reference table was changed by one judgement"
    assert _judge("assert table['spend'].sum() == 6", {"answer": 1}, reference).passed
