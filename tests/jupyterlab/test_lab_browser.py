"""The self-check widget in a real JupyterLab 4 and Notebook 7, driven by Debian chromium.

One server for the session (fixture ``lab_server``); every test opens its own notebook in a fresh
workspace. Every page fails its test if a request left 127.0.0.1 (fixture ``lab_page``).
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from labtools import REPO_ROOT, LabPage, Traffic

pytestmark = [pytest.mark.jupyterlab, pytest.mark.xdist_group("jupyterlab-server")]

# Every text a learner must not see before answering carries a marker word.
SPECS = {
    "single": {
        "id": "lab-single",
        "type": "single",
        "prompt": "Which year is lowest?",
        "options": [
            {"text": "2017", "correct": True, "feedback": "FEEDBACK-2017"},
            {"text": "2018", "feedback": "FEEDBACK-2018"},
            {"text": "2024", "feedback": "FEEDBACK-2024"},
        ],
        "hints": ["HINT-SINGLE"],
        "explanation": "EXPLANATION-SINGLE",
        "max_tries": 1,
    },
    "multiple": {
        "id": "lab-multiple",
        "type": "multiple",
        "prompt": "Which are channels?",
        "options": [
            {"text": "email", "correct": True},
            {"text": "search", "correct": True},
            {"text": "payroll", "feedback": "FEEDBACK-PAYROLL"},
        ],
        "explanation": "EXPLANATION-MULTIPLE",
    },
    "numeric": {
        "id": "lab-numeric",
        "type": "numeric",
        "prompt": "What share?",
        "answer": 0.75,
        "tolerance": {"abs": 0.01},
        "explanation": "EXPLANATION-NUMERIC",
    },
    "text": {
        "id": "lab-text",
        "type": "text",
        "prompt": "Which shape?",
        "answers": ["T-shaped"],
        "explanation": "EXPLANATION-TEXT",
    },
    "ordering": {
        "id": "lab-ordering",
        "type": "ordering",
        "prompt": "Put in order",
        "items": ["one", "two", "three"],
        "explanation": "EXPLANATION-ORDERING",
    },
}
SECRET_WORDS = (
    "FEEDBACK",
    "HINT",
    "EXPLANATION",
    "Correct!",
    "Not quite",
    "needs JavaScript",
    "Self-checks on this page",
)
ORDER = ["single", "multiple", "numeric", "text", "ordering"]


def write_notebook(server, name: str, *cells: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, server.root / name)
    return name


IMPORTS = (
    "from course_utils.selfcheck import question, show\n"
    "from course_utils.selfcheck.widget import SelfCheck"
)


def spec(kind: str, qid: str | None = None) -> dict:
    return dict(SPECS[kind], id=qid or SPECS[kind]["id"])


def shown(kind: str, qid: str, text: str) -> str:
    """The position (the radio's value) at which the page shows option ``text``: choice options
    are shown in a deterministic shuffled order (:func:`course_utils.selfcheck.rules.option_order`)."""
    from course_utils.selfcheck.rules import option_order, question_salt
    from course_utils.selfcheck.spec import validate

    valid = validate(spec(kind, qid))
    order = option_order(len(valid["options"]), question_salt(valid))
    return str([valid["options"][j]["text"] for j in order].index(text))


def show_cell(name: str, kind: str, qid: str | None = None) -> str:
    return f"{name} = show({spec(kind, qid)!r})"


# One notebook for every test of a live kernel; each test answers its own questions.
OLD_COPY = (
    "class Old(SelfCheck):  # another copy of the script, here with other messages\n"
    "    _esm = SelfCheck._esm.replace('\"Correct!\"', '\"OLD COPY right\"')\n"
    f"q_old = Old(question({spec('text', 'copy-text')!r}))\n"
    "display(q_old)"
)
LIVE_CELLS = [
    IMPORTS,
    *(show_cell(f"q_{k}", k) for k in ORDER),
    show_cell("kb_single", "single", "kb-single"),
    show_cell("kb_text", "text", "kb-text"),
    show_cell("kb_ordering", "ordering", "kb-ordering"),
    show_cell("q_views", "single", "views-single"),
    "q_views  # a second view of the same widget",
    show_cell("py_single", "single", "py-single"),
    show_cell("py_ordering", "ordering", "py-ordering"),
    OLD_COPY,
    show_cell("q_new", "text", "copy-text"),
]
LIVE_WIDGETS = 14


@pytest.fixture(scope="module")
def live(lab_browser, lab_server):
    """The live notebook, run once, on one page; every request must stay on 127.0.0.1."""
    traffic = Traffic()
    context = lab_browser.new_context(viewport={"width": 1280, "height": 1000})
    context.route("**/*", traffic.handle)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("websocket", traffic.websocket)
    lab = LabPage(page, lab_server)
    lab.open(write_notebook(lab_server, "live.ipynb", *LIVE_CELLS)).run_all(widgets=LIVE_WIDGETS)
    yield lab
    context.close()
    lab_server.shutdown_kernels()
    assert traffic.outside == [], "requests left 127.0.0.1"


@pytest.fixture
def lab(lab_page, lab_server) -> LabPage:
    return LabPage(lab_page, lab_server)


def question(lab: LabPage, qid: str, nth: int = 0):
    return lab.page.locator(f".jp-OutputArea .selfcheck[data-selfcheck-id='{qid}']").nth(nth)


def wait_done(root, count: int) -> None:
    root.page.wait_for_function(
        "([e, n]) => +e.dataset.done >= n", arg=[root.element_handle(), count]
    )


def done(root) -> int:
    return root.evaluate("e => +e.dataset.done")


def check(root) -> str:
    """Click Check, wait for the verdict, return the feedback text."""
    count = done(root)
    root.locator(".sc-check").click()
    wait_done(root, count + 1)
    return root.locator(".sc-feedback").inner_text()


def py(lab: LabPage, expr: str, expected=None, timeout: float = 10):
    """The JSON value of ``expr`` in the kernel; with ``expected``, wait until it is that (the
    browser's change reaches the kernel as a comm message, after the screen has changed)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = json.loads(lab.kernel(f"import json; print(json.dumps({expr}))"))
        if expected is None or value == expected or time.monotonic() > deadline:
            return value
        lab.page.wait_for_timeout(200)


def feedback_includes(lab: LabPage, root, text: str) -> None:
    lab.page.wait_for_function(
        "([e, t]) => e.querySelector('.sc-feedback').textContent.includes(t)",
        arg=[root.element_handle(), text],
    )


def order_items(root, wanted: list[str]) -> None:
    """Move items with the Move up buttons until they read ``wanted``."""
    for target, text in enumerate(wanted):
        while root.locator(".sc-item-text").all_inner_texts().index(text) > target:
            root.locator(".sc-item", has_text=text).locator(".sc-up").click()


def assert_question_only(text: str) -> None:
    for word in SECRET_WORDS:
        assert word not in text, f"{word!r} shown before the learner answered"


def test_every_type_renders_as_a_widget_and_answers_wrong_and_right(live):
    lab = live
    assert lab.page.locator(".jp-OutputArea .selfcheck .sc-check").count() == LIVE_WIDGETS
    assert lab.page.locator(".sc-summary").count() == 0, "no page summary bar inside Jupyter"
    names = ", ".join(f"q_{k}.correct" for k in ORDER)
    assert py(lab, f"[{names}]") == [None] * 5
    single = question(lab, "lab-single")
    single.locator("label", has_text="2018").click()
    assert "Not quite" in check(single) and "FEEDBACK-2018" in single.inner_text()
    assert py(lab, "[q_single.answer, q_single.correct]", ["2018", False]) == ["2018", False]
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single)
    assert "EXPLANATION-SINGLE" in single.locator(".sc-explanation").inner_text()
    assert py(lab, "[q_single.answer, q_single.correct]", ["2017", True]) == ["2017", True]

    multiple = question(lab, "lab-multiple")
    multiple.locator("label", has_text="payroll").click()
    assert "Not quite" in check(multiple)
    assert "FEEDBACK-PAYROLL" in multiple.inner_text()
    multiple.locator("label", has_text="payroll").click()
    multiple.locator("label", has_text="email").click()
    multiple.locator("label", has_text="search").click()
    assert "Correct!" in check(multiple)
    want = [["email", "search"], True]
    assert py(lab, "[sorted(q_multiple.answer), q_multiple.correct]", want) == want

    for kind, wrong, right in [("numeric", "0.5", "3/4"), ("text", "I-shaped", " t-SHAPED ")]:
        root = question(lab, f"lab-{kind}")
        root.locator("input").fill(wrong)
        assert "Not quite" in check(root)
        assert py(lab, f"q_{kind}.correct", False) is False
        root.locator("input").fill(right)
        assert "Correct!" in check(root)
        assert py(lab, f"[q_{kind}.answer, q_{kind}.correct]", [right, True]) == [right, True]

    ordering = question(lab, "lab-ordering")
    order_items(ordering, ["three", "two", "one"])
    assert "Not quite" in check(ordering)
    order_items(ordering, ["one", "two", "three"])
    assert "Correct!" in check(ordering)
    want = [["one", "two", "three"], True]
    assert py(lab, "[q_ordering.answer, q_ordering.correct]", want) == want


def test_keyboard_only_answering_with_arrow_keys(live):
    lab, page = live, live.page
    active_cell = "() => jupyterapp.shell.currentWidget.content.activeCellIndex"
    single = question(lab, "kb-single")
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
    for _ in range(int(shown("single", "kb-single", "2017"))):  # down to the right option
        page.keyboard.press("ArrowDown")
    assert single.locator("input:checked").get_attribute("value") == shown("single", "kb-single", "2017")
    page.keyboard.press("Tab")  # to Check
    assert page.evaluate("document.activeElement.className") == "sc-check"
    count = done(single)
    page.keyboard.press("Enter")
    wait_done(single, count + 1)
    assert "Correct!" in single.locator(".sc-feedback").inner_text()
    assert page.evaluate(active_cell) == before
    assert py(lab, "kb_single.correct", True) is True

    text = question(lab, "kb-text")
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    text.locator("input").focus()
    before = page.evaluate(active_cell)
    page.keyboard.type("ab dd x m T-shaped")  # command-mode letters must not reach the notebook
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("End")
    count = done(text)
    page.keyboard.press("Enter")
    wait_done(text, count + 1)
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    assert page.evaluate(active_cell) == before
    assert page.locator(".jp-Notebook .jp-MarkdownCell").count() == 0
    assert "Not quite" in text.locator(".sc-feedback").inner_text()
    page.keyboard.press("Control+a")
    page.keyboard.type("T-shaped")
    page.keyboard.press("Enter")
    wait_done(text, count + 2)
    assert "Correct!" in text.locator(".sc-feedback").inner_text()

    ordering = question(lab, "kb-ordering")
    ordering.locator(".sc-up").first.focus()
    before = page.evaluate(active_cell)
    for target, item in enumerate(["one", "two", "three"]):
        while ordering.locator(".sc-item-text").all_inner_texts().index(item) > target:
            ordering.locator(".sc-item", has_text=item).locator(".sc-up").focus()
            page.keyboard.press("Enter")
    ordering.locator(".sc-check").focus()
    count = done(ordering)
    page.keyboard.press("Space")
    wait_done(ordering, count + 1)
    assert "Correct!" in ordering.locator(".sc-feedback").inner_text()
    assert page.evaluate(active_cell) == before, "Enter/Space moved the notebook's cursor"
    assert py(lab, "[kb_ordering.correct, kb_text.correct]", [True, True]) == [True, True]


def test_two_views_of_one_question_do_not_interfere(live):
    lab = live
    first, second = question(lab, "views-single", 0), question(lab, "views-single", 1)
    ids = lab.page.evaluate(
        "() => [...document.querySelectorAll('.jp-OutputArea .selfcheck [id]')].map(e => e.id)"
    )
    assert len(ids) == len(set(ids)), "duplicate element ids"
    names = {
        r.get_attribute("name")
        for r in lab.page.locator(
            ".selfcheck[data-selfcheck-id='views-single'] input[type=radio]"
        ).all()
    }
    assert len(names) == 2
    first.locator("label", has_text="2018").click()
    assert second.locator("input:checked").count() == 0
    second.locator("label", has_text="2024").click()
    at_2018 = shown("single", "views-single", "2018")
    assert first.locator("input:checked").get_attribute("value") == at_2018
    check(first)
    feedback_includes(lab, second, "Not quite")  # one model: the other view shows the verdict
    assert second.locator("input:checked").get_attribute("value") == at_2018
    assert py(lab, "q_views.answer", "2018") == "2018"


def test_python_answer_redraws_and_show_answer_is_reported(live):
    lab = live
    single, ordering = question(lab, "py-single"), question(lab, "py-ordering")
    lab.kernel("py_single.answer = '2017'")
    feedback_includes(lab, single, "Correct!")
    assert single.locator("input:checked").get_attribute("value") == shown("single", "py-single", "2017")
    lab.kernel("py_ordering.answer = ['one', 'two', 'three']")
    feedback_includes(lab, ordering, "Correct!")
    assert ordering.locator(".sc-item-text").all_inner_texts() == ["one", "two", "three"]
    lab.kernel("py_single.answer = '2024'")
    feedback_includes(lab, single, "Not quite")
    assert single.locator("input:checked").get_attribute("value") == shown("single", "py-single", "2024")
    assert py(lab, "[py_single.revealed, py_single.tries]") == [False, 0]
    single.locator(".sc-retry").click()
    single.locator("label", has_text="2018").click()
    check(single)
    count = done(single)
    single.locator(".sc-reveal").click()  # max_tries 1: offered after one wrong try
    wait_done(single, count + 1)
    assert "The answer:" in single.locator(".sc-feedback").inner_text()
    assert py(lab, "[py_single.revealed, py_single.tries]", [True, 1]) == [True, 1]


def test_two_copies_of_the_script_do_not_collide(live):
    """An older copy (here: other messages) in the same page keeps to its own views."""
    lab = live
    old_root, new_root = question(lab, "copy-text", 0), question(lab, "copy-text", 1)
    for root in (new_root, old_root):
        root.locator("input").fill("T-shaped")
        check(root)
    assert "OLD COPY right" in old_root.locator(".sc-feedback").inner_text()
    assert "Correct!" in new_root.locator(".sc-feedback").inner_text()
    assert py(lab, "[q_old.correct, q_new.correct]", [True, True]) == [True, True]


def test_a_lab_opened_before_running_shows_questions_only(lab, lab_server):
    """As cloned: untrusted, not run. The saved static HTML shows; no answer text, no summary,
    no raw MyST roles or directive fences (jupyterlab-myst renders them)."""
    lab_name = "01-know-thy-technology"
    target = lab_server.root / lab_name
    shutil.copytree(REPO_ROOT / "book" / lab_name, target, dirs_exist_ok=True)
    lab.open(f"{lab_name}/lab.ipynb")
    page = lab.page
    saved = json.loads((target / "lab.ipynb").read_text())
    expected = sum(
        "selfcheck-v2" in "".join(o.get("data", {}).get("text/html", ""))
        for c in saved["cells"]
        for o in c.get("outputs", [])
    )
    assert expected > 0
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-OutputArea .selfcheck').length == n", arg=expected
    )
    for root in page.locator(".jp-OutputArea .selfcheck").all():
        assert root.locator(".sc-prompt").inner_text().strip()
        assert root.locator("button, .sc-feedback, .sc-hint-text, .sc-explanation").count() == 0
        assert_question_only(root.inner_text())
    assert page.locator(".sc-summary").count() == 0
    # every Markdown cell rendered by MyST: no raw roles or fences
    page.wait_for_function("() => document.querySelectorAll('.jp-MarkdownCell .myst').length > 0")
    markdown = "\n".join(page.locator(".jp-MarkdownCell").all_inner_texts())
    for raw in ("{term}", "{doc}", "{ref}", "```{", ":class:"):
        assert raw not in markdown


def test_restart_rerun_and_save_restart_reload(lab, lab_server):
    """Restart + re-run: screen and Python both start fresh. Save + restart + reload: the static
    question, never "model not found"; re-running brings the live question back."""
    name = write_notebook(
        lab_server,
        "restart.ipynb",
        IMPORTS,
        show_cell("q_single", "single"),
        show_cell("q_text", "text"),
    )
    lab.open(name).run_all(widgets=2)
    single = question(lab, "lab-single")
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single)
    assert py(lab, "q_single.correct", True) is True
    lab.restart_kernel()
    assert "model not found" not in lab.outputs()
    lab.run_all(widgets=2)
    single = question(lab, "lab-single")
    assert lab.page.locator(".jp-OutputArea .selfcheck").count() == 2
    assert py(lab, "[q_single.answer, q_single.correct, q_single.tries]") == [None, None, 0]
    assert single.locator("input:checked").count() == 0, "the screen restored an old answer"
    assert single.locator(".sc-feedback").inner_text() == ""

    single.locator("label", has_text="2018").click()
    check(single)
    lab.save()
    saved = (lab_server.root / name).read_text()
    assert "widget-view" not in saved and "selfcheck-v2" in saved
    lab.restart_kernel()
    lab.page.reload()
    lab.page.wait_for_selector(".jp-Notebook .jp-Cell")
    lab.wait_idle()
    lab.page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea .selfcheck').length == 2"
    )
    text = lab.outputs()
    assert "model not found" not in text and "Error displaying widget" not in text
    assert_question_only(text)
    assert "Which year is lowest?" in text and "Which shape?" in text
    assert text.count("Run this cell to check your answer.") == 2
    lab.run_all(widgets=2)
    single = question(lab, "lab-single")
    assert "Run this cell" not in lab.outputs()
    single.locator("label", has_text="2017").click()
    assert "Correct!" in check(single)
    assert py(lab, "q_single.correct", True) is True


def test_notebook7_smoke(lab, lab_server):
    name = write_notebook(
        lab_server,
        "nb7.ipynb",
        IMPORTS,
        show_cell("q_single", "single"),
        show_cell("q_numeric", "numeric"),
    )
    lab.open(name, notebook7=True).run_all(widgets=2)
    assert "/notebooks/" in lab.page.url
    single = question(lab, "lab-single")
    single.locator("input[type=radio]").first.focus()
    lab.page.keyboard.press("Space")
    lab.page.keyboard.press("ArrowDown")
    assert single.locator("input:checked").get_attribute("value") == "1"
    # The option shown second (the order is a deterministic shuffle of the spec's options).
    second = next(t for t in ("2017", "2018", "2024") if shown("single", "lab-single", t) == "1")
    assert ("Correct!" if second == "2017" else "Not quite") in check(single)
    numeric = question(lab, "lab-numeric")
    numeric.locator("input").fill("3/4")
    assert "Correct!" in check(numeric)
    assert py(lab, "[q_single.answer, q_numeric.correct]", [second, True]) == [second, True]
    assert lab.page.locator(".sc-summary").count() == 0


def test_jupyterlab_offers_the_offline_export(lab_server):
    """File > Save and Export Notebook As lists the course's exporter (nbconvert entry point)."""
    import urllib.request

    with urllib.request.urlopen(lab_server.api("nbconvert"), timeout=30) as resp:
        formats = json.load(resp)
    assert "course_lab" in formats
    assert formats["course_lab"]["output_mimetype"] == "text/html"
