"""The self-check widget in a real JupyterLab 4 and Notebook 7, driven by Debian chromium.

One server for the session (fixture ``lab_server``); every test opens its own notebook in a fresh
workspace. Every page fails its test if a request left 127.0.0.1 (fixture ``lab_page``).
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from labtools import REPO_ROOT, LabPage

pytestmark = pytest.mark.jupyterlab

# Every text a learner must not see before answering carries a marker word.
SPECS = {
    "single": {"id": "lab-single", "type": "single", "prompt": "Which year is lowest?",
               "options": [{"text": "2017", "correct": True, "feedback": "FEEDBACK-2017"},
                           {"text": "2018", "feedback": "FEEDBACK-2018"},
                           {"text": "2024", "feedback": "FEEDBACK-2024"}],
               "hints": ["HINT-SINGLE"], "explanation": "EXPLANATION-SINGLE", "max_tries": 1},
    "multiple": {"id": "lab-multiple", "type": "multiple", "prompt": "Which are channels?",
                 "options": [{"text": "email", "correct": True}, {"text": "search", "correct": True},
                             {"text": "payroll", "feedback": "FEEDBACK-PAYROLL"}],
                 "explanation": "EXPLANATION-MULTIPLE"},
    "numeric": {"id": "lab-numeric", "type": "numeric", "prompt": "What share?", "answer": 0.75,
                "tolerance": {"abs": 0.01}, "explanation": "EXPLANATION-NUMERIC"},
    "text": {"id": "lab-text", "type": "text", "prompt": "Which shape?", "answers": ["T-shaped"],
             "explanation": "EXPLANATION-TEXT"},
    "ordering": {"id": "lab-ordering", "type": "ordering", "prompt": "Put in order",
                 "items": ["one", "two", "three"], "explanation": "EXPLANATION-ORDERING"},
}
SECRET_WORDS = ("FEEDBACK", "HINT", "EXPLANATION", "Correct!", "Not quite", "needs JavaScript",
                "Self-checks on this page")
ORDER = ["single", "multiple", "numeric", "text", "ordering"]


def write_notebook(server, name: str, *cells: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, server.root / name)
    return name


def show_cells(*kinds: str) -> list[str]:
    cells = ["from course_utils.selfcheck import show\nfrom course_utils.selfcheck.widget import SelfCheck"]
    cells += [f"q_{k} = show({SPECS[k]!r})" for k in kinds]
    return cells


@pytest.fixture
def lab(lab_page, lab_server) -> LabPage:
    return LabPage(lab_page, lab_server)


def question(lab: LabPage, qid: str, nth: int = 0):
    return lab.page.locator(f".jp-OutputArea .selfcheck[data-selfcheck-id='{qid}']").nth(nth)


def wait_done(root, count: int) -> None:
    root.page.wait_for_function("([e, n]) => +e.dataset.done >= n", arg=[root.element_handle(), count])


def check(root, done: int) -> str:
    root.locator(".sc-check").click()
    wait_done(root, done)
    return root.locator(".sc-feedback").inner_text()


def py(lab: LabPage, expr: str):
    return json.loads(lab.kernel(f"import json; print(json.dumps({expr}))"))


def order_items(root, wanted: list[str]) -> None:
    """Move items with the Move up buttons until they read ``wanted``."""
    for target, text in enumerate(wanted):
        item = root.locator(".sc-item", has_text=text)
        while root.locator(".sc-item-text").all_inner_texts().index(text) > target:
            item.locator(".sc-up").click()


def test_every_type_renders_as_a_widget_and_answers_wrong_and_right(lab, lab_server):
    name = write_notebook(lab_server, "all_types.ipynb", *show_cells(*ORDER))
    lab.open(name).run_all(widgets=5)
    assert lab.page.locator(".jp-OutputArea .selfcheck").count() == 5
    assert lab.page.locator(".sc-summary").count() == 0, "no page summary bar inside Jupyter"
    for kind in ORDER:
        assert py(lab, f"q_{kind}.correct") is None
    single = question(lab, "lab-single")
    single.locator("label", has_text="2018").click()
    assert "Not quite" in check(single, 2) and "FEEDBACK-2018" in single.inner_text()
    assert py(lab, "[q_single.answer, q_single.correct]") == ["2018", False]
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single, 3)
    assert "EXPLANATION-SINGLE" in single.locator(".sc-explanation").inner_text()
    assert py(lab, "[q_single.answer, q_single.correct]") == ["2017", True]

    multiple = question(lab, "lab-multiple")
    multiple.locator("label", has_text="payroll").click()
    assert "Not quite" in check(multiple, 2)
    multiple.locator("label", has_text="payroll").click()
    multiple.locator("label", has_text="email").click()
    multiple.locator("label", has_text="search").click()
    assert "Correct!" in check(multiple, 3)
    assert py(lab, "[sorted(q_multiple.answer), q_multiple.correct]") == [["email", "search"], True]

    for kind, wrong, right in [("numeric", "0.5", "3/4"), ("text", "I-shaped", " t-SHAPED ")]:
        root = question(lab, f"lab-{kind}")
        root.locator("input").fill(wrong)
        assert "Not quite" in check(root, 2)
        assert py(lab, f"q_{kind}.correct") is False
        root.locator("input").fill(right)
        assert "Correct!" in check(root, 3)
        assert py(lab, f"[q_{kind}.answer, q_{kind}.correct]") == [right, True]

    ordering = question(lab, "lab-ordering")
    order_items(ordering, ["three", "two", "one"])
    assert "Not quite" in check(ordering, 2)
    order_items(ordering, ["one", "two", "three"])
    assert "Correct!" in check(ordering, 3)
    assert py(lab, "[q_ordering.answer, q_ordering.correct]") == [["one", "two", "three"], True]


def test_keyboard_only_answering_with_arrow_keys(lab, lab_server):
    name = write_notebook(lab_server, "keyboard.ipynb", *show_cells("single", "text", "ordering"))
    lab.open(name).run_all(widgets=3)
    page = lab.page
    active_cell = "() => jupyterapp.shell.currentWidget.content.activeCellIndex"
    single = question(lab, "lab-single")
    single.locator("input[type=radio]").first.focus()  # focus makes its cell the active one
    before = page.evaluate(active_cell)
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(active_cell) == before, "the arrow keys moved the notebook's cursor"
    assert single.locator("input:checked").get_attribute("value") == "2"
    page.keyboard.press("ArrowUp")
    assert single.locator("input:checked").get_attribute("value") == "1"
    page.keyboard.press("ArrowUp")
    assert single.locator("input:checked").get_attribute("value") == "0"
    page.keyboard.press("Tab")  # to Check
    assert page.evaluate("document.activeElement.className") == "sc-check"
    page.keyboard.press("Enter")
    wait_done(single, 2)
    assert "Correct!" in single.locator(".sc-feedback").inner_text()
    assert py(lab, "q_single.correct") is True

    text = question(lab, "lab-text")
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    text.locator("input").focus()
    before = page.evaluate(active_cell)
    page.keyboard.type("ab dd x T-shaped")  # command-mode letters must not reach the notebook
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    wait_done(text, 2)
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    assert page.evaluate(active_cell) == before
    assert "Not quite" in text.locator(".sc-feedback").inner_text()
    page.keyboard.press("Control+a")
    page.keyboard.type("T-shaped")
    page.keyboard.press("Enter")
    wait_done(text, 3)
    assert "Correct!" in text.locator(".sc-feedback").inner_text()

    ordering = question(lab, "lab-ordering")
    ordering.locator(".sc-up").first.focus()
    before = page.evaluate(active_cell)
    for target, item in enumerate(["one", "two", "three"]):
        while True:
            texts = ordering.locator(".sc-item-text").all_inner_texts()
            if texts.index(item) == target:
                break
            ordering.locator(".sc-item", has_text=item).locator(".sc-up").focus()
            page.keyboard.press("Enter")
    ordering.locator(".sc-check").focus()
    page.keyboard.press("Space")
    wait_done(ordering, 2)
    assert "Correct!" in ordering.locator(".sc-feedback").inner_text()
    assert page.evaluate(active_cell) == before, "Enter/Space moved the notebook's cursor"
    assert py(lab, "[q_ordering.correct, q_text.correct]") == [True, True]


def assert_question_only(text: str) -> None:
    for word in SECRET_WORDS:
        assert word not in text, f"{word!r} shown before the learner answered"


@pytest.mark.parametrize("lab_name", ["01-know-thy-technology", "03-one-marketing-team"])
def test_a_lab_opened_before_running_shows_questions_only(lab, lab_server, lab_name):
    """As cloned: untrusted, not run. The saved static HTML shows; no answer text, no summary,
    no raw MyST roles or directive fences (jupyterlab-myst renders them)."""
    target = lab_server.root / lab_name
    shutil.copytree(REPO_ROOT / "book" / lab_name, target, dirs_exist_ok=True)
    lab.open(f"{lab_name}/lab.ipynb")
    page = lab.page
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea .selfcheck').length > 0")
    shown = page.locator(".jp-OutputArea .selfcheck")
    saved = json.loads((target / "lab.ipynb").read_text())
    expected = sum("selfcheck-v2" in "".join(o.get("data", {}).get("text/html", ""))
                   for c in saved["cells"] for o in c.get("outputs", []))
    assert shown.count() == expected > 0
    for root in shown.all():
        root.scroll_into_view_if_needed()
        assert root.locator(".sc-prompt").inner_text().strip()
        assert root.locator("button, .sc-feedback, .sc-hint-text, .sc-explanation").count() == 0
        assert_question_only(root.inner_text())
    assert page.locator(".sc-summary").count() == 0
    # every Markdown cell rendered by MyST: no raw roles or fences
    page.wait_for_function("() => document.querySelectorAll('.jp-MarkdownCell .myst').length > 0")
    markdown = "\n".join(page.locator(".jp-MarkdownCell").all_inner_texts())
    for raw in ("{term}", "{doc}", "{ref}", "```{", ":class:"):
        assert raw not in markdown


def test_restart_and_rerun_keeps_screen_and_python_in_agreement(lab, lab_server):
    name = write_notebook(lab_server, "restart.ipynb", *show_cells("single", "numeric"))
    lab.open(name).run_all(widgets=2)
    single = question(lab, "lab-single")
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single, 2)
    assert py(lab, "q_single.correct") is True
    lab.restart_kernel()
    assert "model not found" not in lab.text()
    lab.run_all(widgets=2)
    single = question(lab, "lab-single")
    assert lab.page.locator(".jp-OutputArea .selfcheck").count() == 2
    assert py(lab, "[q_single.answer, q_single.correct, q_single.tries]") == [None, None, 0]
    assert single.locator("input:checked").count() == 0, "the screen restored an old answer"
    assert single.locator(".sc-feedback").inner_text() == ""


def test_save_restart_reload_shows_the_question_never_model_not_found(lab, lab_server):
    name = write_notebook(lab_server, "reload.ipynb", *show_cells("single", "text"))
    lab.open(name).run_all(widgets=2)
    single = question(lab, "lab-single")
    single.locator("label", has_text="2018").click()
    check(single, 2)
    lab.save()
    saved = (lab_server.root / name).read_text()
    assert "widget-view" not in saved and "selfcheck-v2" in saved
    lab.restart_kernel()
    lab.page.reload()
    lab.page.wait_for_selector(".jp-Notebook .jp-Cell")
    lab.wait_idle()
    lab.page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea .selfcheck').length == 2")
    text = lab.outputs()
    assert "model not found" not in text and "Error displaying widget" not in text
    assert_question_only(text)
    assert "Which year is lowest?" in text and "Which shape?" in text
    lab.run_all(widgets=2)  # running the cells again brings the live questions back
    single = question(lab, "lab-single")
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single, 2)
    assert py(lab, "q_single.correct") is True


def test_two_views_of_one_question_do_not_interfere(lab, lab_server):
    name = write_notebook(lab_server, "views.ipynb", *show_cells("single"), "q_single")
    lab.open(name).run_all(widgets=2)
    first, second = question(lab, "lab-single", 0), question(lab, "lab-single", 1)
    ids = lab.page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea .selfcheck [id]')]"
                            ".map(e => e.id)")
    assert len(ids) == len(set(ids)), "duplicate element ids"
    names = {r.get_attribute("name") for r in lab.page.locator(".selfcheck input[type=radio]").all()}
    assert len(names) == 2
    first.locator("label", has_text="2018").click()
    assert second.locator("input:checked").count() == 0
    second.locator("label", has_text="2024").click()
    assert first.locator("input:checked").get_attribute("value") == "1"
    check(first, 2)
    # one model: the other view shows the checked answer too
    lab.page.wait_for_function("e => e.querySelector('.sc-feedback').textContent.includes('Not quite')",
                               arg=second.element_handle())
    assert py(lab, "q_single.answer") == "2018"


def test_python_answer_redraws_and_show_answer_is_reported(lab, lab_server):
    name = write_notebook(lab_server, "python.ipynb", *show_cells("single", "ordering"))
    lab.open(name).run_all(widgets=2)
    single = question(lab, "lab-single")
    lab.kernel("q_single.answer = '2017'")
    lab.page.wait_for_function("e => e.querySelector('.sc-feedback').textContent.includes('Correct!')",
                               arg=single.element_handle())
    assert single.locator("input:checked").get_attribute("value") == "0"
    ordering = question(lab, "lab-ordering")
    lab.kernel("q_ordering.answer = ['one', 'two', 'three']")
    lab.page.wait_for_function("e => e.querySelector('.sc-feedback').textContent.includes('Correct!')",
                               arg=ordering.element_handle())
    assert ordering.locator(".sc-item-text").all_inner_texts() == ["one", "two", "three"]
    lab.kernel("q_single.answer = '2024'")
    lab.page.wait_for_function("e => e.querySelector('.sc-feedback').textContent.includes('Not quite')",
                               arg=single.element_handle())
    assert py(lab, "[q_single.revealed, q_single.tries]") == [False, 0]
    single.locator(".sc-retry").click()
    single.locator("label", has_text="2018").click()
    check(single, single.evaluate("e => +e.dataset.done") + 1)
    done = single.evaluate("e => +e.dataset.done")
    single.locator(".sc-reveal").click()  # max_tries 1: offered after one wrong try
    wait_done(single, done + 1)
    assert "The answer:" in single.locator(".sc-feedback").inner_text()
    lab.page.wait_for_timeout(300)
    assert py(lab, "[q_single.revealed, q_single.tries]") == [True, 1]


def test_two_copies_of_the_script_do_not_collide(lab, lab_server):
    """An older copy (here: other messages) in the same JupyterLab page keeps to its own views."""
    old = ("class Old(SelfCheck):\n"
           "    _esm = SelfCheck._esm.replace('\"Correct!\"', '\"OLD COPY right\"')\n"
           "from course_utils.selfcheck import question\n"
           f"q_old = Old(question({SPECS['text']!r}))\n"
           "display(q_old)")
    name = write_notebook(lab_server, "copies.ipynb", *show_cells("single"), old,
                          f"q_new = show({SPECS['text']!r})")
    lab.open(name).run_all(widgets=3)
    old_root, new_root = question(lab, "lab-text", 0), question(lab, "lab-text", 1)
    for root in (new_root, old_root):
        root.locator("input").fill("T-shaped")
        check(root, 2)
    assert "OLD COPY right" in old_root.locator(".sc-feedback").inner_text()
    assert "Correct!" in new_root.locator(".sc-feedback").inner_text()
    single = question(lab, "lab-single")
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single, 2)


def test_notebook7_smoke(lab, lab_server):
    name = write_notebook(lab_server, "nb7.ipynb", *show_cells("single", "numeric"))
    lab.open(name, notebook7=True).run_all(widgets=2)
    assert lab.page.locator("#main-panel, .jp-NotebookPanel").count() >= 1
    assert "/notebooks/" in lab.page.url
    single = question(lab, "lab-single")
    single.locator("input[type=radio]").first.focus()
    lab.page.keyboard.press("Space")
    lab.page.keyboard.press("ArrowDown")
    assert single.locator("input:checked").get_attribute("value") == "1"
    assert "Not quite" in check(single, 2)
    numeric = question(lab, "lab-numeric")
    numeric.locator("input").fill("3/4")
    assert "Correct!" in check(numeric, 2)
    assert py(lab, "[q_single.answer, q_numeric.correct]") == ["2018", True]
    assert lab.page.locator(".sc-summary").count() == 0
