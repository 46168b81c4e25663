"""The live-notebook widget: answers from Python, mime bundle, and a real kernel via nbclient."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.selfcheck import SelfCheckError, question
from course_utils.selfcheck.render import MARKER
from course_utils.selfcheck.widget import SelfCheck, to_response

from .cases import SPECS


@pytest.fixture
def numeric() -> SelfCheck:
    return SelfCheck(question(SPECS["numeric"]))


def test_answer_and_correct_follow_python_answers(numeric):
    assert numeric.answer is None and numeric.correct is None
    numeric.answer = "0.5"
    assert numeric.correct is False and numeric.result["detail"]["direction"] == "low"
    numeric.answer = "3/4"
    assert numeric.correct is True and numeric.response == "3/4"
    numeric.answer = "not a number"
    assert numeric.correct is None and numeric.result["status"] == "invalid"


def test_a_response_from_the_browser_updates_answer_and_correct():
    widget = SelfCheck(question(SPECS["ordering"]))
    shown = [widget.spec["items"].index(t) for t in _shown_items(widget)]
    widget.response = [shown.index(i) for i in range(4)]  # what the JS sends: shown indices
    assert widget.answer == ["one", "two", "three", "four"] and widget.correct is True
    widget.response = [0, 1, 2, 3]
    assert widget.answer == _shown_items(widget) and widget.correct is False


def _shown_items(widget: SelfCheck) -> list[str]:
    import re
    return re.findall(r'class="sc-item-text"[^>]*>([^<]*)<', widget.html)


def test_choice_answers_are_option_texts():
    widget = SelfCheck(question(SPECS["multiple"]))
    shown = to_response(widget.spec, ["c", "a"])  # the page's (shuffled) positions of c and a
    widget.response = shown
    assert widget.answer == ["c", "a"] and widget.correct is False
    assert widget.result["detail"] == {"chosen": sorted(shown), "right": 2, "wrong": 0, "total": 3}
    widget.answer = ["a", "b", "c"]
    assert widget.correct is True


def test_mime_bundle_has_static_html_and_widget_view(numeric):
    bundle = numeric._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert MARKER in data["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"] == "Self-check 'case-numeric' (numeric)"


def test_the_widget_serves_the_same_script_as_the_book(numeric):
    from course_utils.selfcheck.widget import static_text
    assert numeric._esm.startswith(static_text("course-selfcheck.js"))
    assert "export default" in numeric._esm


def test_question_from_bank_and_clear_errors(tmp_path, monkeypatch):
    (tmp_path / "questions.yml").write_text(
        "- {id: from-bank, type: text, prompt: p, answers: [x]}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert question("from-bank")["answers"] == ["x"]
    with pytest.raises(SelfCheckError, match="questions.yml: self-check 'nope': no question"):
        question("nope")
    with pytest.raises(SelfCheckError, match="cannot read the question bank"):
        question("from-bank", bank="missing.yml")


LIVE_CELLS = [
    ("setup", "from course_utils.selfcheck import show"),
    ("show-dict", "q = show({'id': 'live-share', 'type': 'numeric', 'prompt': 'Share?', "
                  "'answer': 0.75, 'tolerance': {'abs': 0.01}, 'percent': True})"),
    ("show-bank", "q2 = show('live-bank', bank='questions.yml')"),
    ("drive", "q.answer = '70%'\nfirst = (q.answer, q.correct, q.result['detail'].get('direction'))\n"
              "q.answer = '3/4'\nfrom course_utils.selfcheck.widget import to_response\n"
              "q2.response = to_response(q2.spec, 'right')\n"
              "import json\nprint(json.dumps([first, [q.answer, q.correct], [q2.answer, q2.correct]]))"),
]


def test_live_kernel_drives_the_widget(tmp_path, notebook_env, monkeypatch):
    for key, value in notebook_env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "questions.yml").write_text(
        "- id: live-bank\n  type: single\n  prompt: p\n  options: [right, wrong]\n  correct: right\n",
        encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src, id=cid) for cid, src in LIVE_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = nb.cells[1].outputs[0]["data"]
    assert MARKER in shown["text/html"] and "application/vnd.jupyter.widget-view+json" in shown
    printed = json.loads(nb.cells[3].outputs[0]["text"])
    assert printed == [["70%", False, "low"], ["3/4", True], ["right", True]]
    # The static rendering in the saved output is reproducible: same HTML on every run.
    assert shown["text/html"] == _render_again()


def _render_again() -> str:
    from course_utils.selfcheck import render_html, validate
    return render_html(validate({"id": "live-share", "type": "numeric", "prompt": "Share?",
                                 "answer": 0.75, "tolerance": {"abs": 0.01}, "percent": True}))


def test_example_notebook_bank_path_is_relative_to_the_notebook(repo_root: Path):
    bank = repo_root / "book" / "selfcheck-examples.yml"
    assert bank.is_file()
    assert question("selfchecks-bank-example", bank=bank)["type"] == "single"
