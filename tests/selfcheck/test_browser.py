"""Browser tests: the built book in Debian chromium (headless), served on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from course_utils.selfcheck import rules, validate
from course_utils.selfcheck.assets import widget_esm
from course_utils.selfcheck.render import MARKER
from course_utils.selfcheck.spec import question_from_bank, question_from_yaml
from course_utils.selfcheck.widget import to_answer, to_response

from .cases import CASES, SPECS

pytestmark = pytest.mark.browser

PAGE = "book/selfchecks.html"
FENCE = re.compile(r"^```\{selfcheck\}\n(.*?)^```", re.S | re.M)


def page_specs(repo_root: Path) -> list[dict[str, Any]]:
    """The questions of book/selfchecks.md in page order (from the page source, not the HTML)."""
    source = repo_root / "book" / "selfchecks.md"
    specs = []
    for body in FENCE.findall(source.read_text(encoding="utf-8")):
        options = dict(re.findall(r"^:(\w+):\s*(.+)$", body, re.M))
        if "bank" in options:
            specs.append(question_from_bank(source.parent / options["bank"], options["id"]))
        else:
            specs.append(question_from_yaml(body))
    return specs


@pytest.fixture(scope="module")
def specs(repo_root: Path) -> dict[str, dict[str, Any]]:
    """One question of each type from the page (the first of its type), by type."""
    found: dict[str, dict[str, Any]] = {}
    for spec in page_specs(repo_root):
        found.setdefault(spec["type"], spec)
    assert sorted(found) == ["multiple", "numeric", "ordering", "single", "text"]
    return found


def ready(page) -> None:
    """Wait until the page's self-checks are set up and their saved progress restored."""
    page.wait_for_selector(".selfcheck[data-ready]")
    page.wait_for_function("() => window.courseSelfcheck && courseSelfcheck.pageReady")
    page.evaluate("() => courseSelfcheck.pageReady")


@pytest.fixture
def book_page(page, book_url):
    page.goto(book_url + PAGE)
    ready(page)
    return page


def done_count(page, spec) -> int:
    return int(box(page, spec).get_attribute("data-done") or 0)


def wait_done(page, spec, before: int) -> None:
    """Checks and reveals are asynchronous (WebCrypto): wait until one more has finished."""
    page.wait_for_function("([sel, n]) => +(document.querySelector(sel).dataset.done || 0) > n",
                           arg=[f"#sc-{spec['id']}", before])


def box(page, spec):
    return page.locator(f"#sc-{spec['id']}")


def feedback(page, spec):
    return box(page, spec).locator(".sc-feedback")


def right_and_wrong(spec: dict[str, Any]) -> tuple[Any, Any]:
    """A correct and a wrong readable answer for any question."""
    kind = spec["type"]
    if kind in ("single", "multiple"):
        right = [o["text"] for o in spec["options"] if o.get("correct")]
        wrong = [o["text"] for o in spec["options"] if not o.get("correct")][:1]
        return (right[0], wrong[0]) if kind == "single" else (right, right[:-1] + wrong)
    if kind == "numeric":
        tol = rules.numeric_tolerance(spec["answer"], spec.get("tolerance"))
        return rules.format_number(spec["answer"]), rules.format_number(spec["answer"] - 3 * tol)
    if kind == "text":
        return "  " + spec["answers"][0].upper() + " ", "certainly not this"
    return spec["items"], list(reversed(spec["items"]))


def answer(page, spec: dict[str, Any], value: Any, *, keyboard: bool = False) -> None:
    """Give an answer through the page's controls (mouse or keyboard only) and press Check."""
    q = box(page, spec)
    kind = spec["type"]
    before = done_count(page, spec)
    if kind in ("single", "multiple"):
        texts = [o["text"] for o in spec["options"]]
        chosen = {to_response(spec, value)} if kind == "single" else set(to_response(spec, list(value)))
        inputs = q.locator("input")
        for i in range(len(texts)):
            want = i in chosen
            if inputs.nth(i).is_checked() != want:
                if keyboard:
                    inputs.nth(i).focus()
                    page.keyboard.press("Space")
                else:
                    q.locator("label").nth(i).click()
    elif kind in ("numeric", "text"):
        field = q.locator("input")
        if keyboard:
            field.focus()
            page.keyboard.press("Control+A")
            page.keyboard.type(str(value))
            page.keyboard.press("Enter")
            wait_done(page, spec, before)
            return
        field.fill(str(value))
    else:
        for position, wanted in enumerate(value):
            texts = q.locator(".sc-item-text").all_inner_texts()
            current = [t.split(". ", 1)[-1] if t[:1].isdigit() else t for t in texts].index(wanted)
            if current == position:
                continue
            up = q.locator(".sc-item").nth(current).locator(".sc-up")
            if keyboard:
                up.focus()
                for _ in range(current - position):
                    page.keyboard.press("Enter")  # focus stays on the moved item's button
            else:
                for step in range(current - position):
                    q.locator(".sc-item").nth(current - step).locator(".sc-up").click()
    if keyboard:
        q.locator(".sc-check").focus()
        page.keyboard.press("Enter")
    else:
        q.locator(".sc-check").click()
    wait_done(page, spec, before)


def reveal(page, spec) -> None:
    before = done_count(page, spec)
    box(page, spec).locator(".sc-reveal").click()
    wait_done(page, spec, before)


VERDICT = re.compile(r"^(Correct|Right|Yes|That is|Not quite|Not|No|Too|Partly)\b")


@pytest.mark.parametrize("kind", ["single", "multiple", "numeric", "text", "ordering"])
def test_wrong_then_right(book_page, specs, kind):
    spec = specs[kind]
    right, wrong = right_and_wrong(spec)
    answer(book_page, spec, wrong)
    fb = feedback(book_page, spec)
    assert re.search(r"is-(incorrect|partial)", fb.get_attribute("class"))
    assert re.search(r"\b(Not quite|Partly right|Not|No|Too)\b", fb.inner_text())
    assert "Not quite. Not quite." not in fb.inner_text()
    if kind == "multiple":
        total = sum(1 for o in spec["options"] if o.get("correct"))
        assert f"You chose {total - 1} of {total} correct choices and 1 wrong." in fb.inner_text()
    if kind == "numeric":
        assert spec["feedback"]["too_low"] in fb.inner_text()
    if kind == "ordering":
        assert "items are in the right place" in fb.inner_text()
    if kind in ("single",):
        chosen = [o for o in spec["options"] if o["text"] == wrong][0]
        assert chosen["feedback"].split(";")[0][:30] in fb.inner_text()
        assert fb.inner_text().count(chosen["feedback"][:30]) == 1
        assert box(book_page, spec).inner_text().count(chosen["feedback"][:30]) == 1  # shown once
    answer(book_page, spec, right)
    assert "is-correct" in fb.get_attribute("class")
    assert fb.inner_text().startswith("Correct!") or VERDICT.match(fb.inner_text())
    explanation = box(book_page, spec).locator(".sc-explanation")
    if spec.get("explanation"):
        assert explanation.is_visible()


@pytest.mark.parametrize("kind", ["single", "multiple", "numeric", "text", "ordering"])
def test_keyboard_only_answering_with_visible_focus(book_page, specs, kind):
    spec = specs[kind]
    right, _ = right_and_wrong(spec)
    answer(book_page, spec, right, keyboard=True)
    assert "is-correct" in feedback(book_page, spec).get_attribute("class")
    outline = book_page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert outline[1] == "solid" and outline[2] >= 2, outline


def test_single_choice_with_arrow_keys(book_page, specs):
    spec = specs["single"]
    q = box(book_page, spec)
    q.locator("input").first.focus()
    book_page.keyboard.press("ArrowDown")  # moves to and selects the second option
    book_page.keyboard.press("Tab")
    assert book_page.evaluate("document.activeElement.className") == "sc-check"
    before = done_count(book_page, spec)
    book_page.keyboard.press("Enter")
    wait_done(book_page, spec, before)  # the check is asynchronous (WebCrypto)
    second = to_answer(spec, 1)  # the option shown second
    expected = "is-correct" if any(o.get("correct") for o in spec["options"] if o["text"] == second) else "is-incorrect"
    assert expected in feedback(book_page, spec).get_attribute("class")


def test_hints_one_at_a_time_and_show_answer_after_max_tries(book_page, specs):
    spec = specs["single"]
    q = box(book_page, spec)
    hints = q.locator(".sc-hint-text")
    assert hints.count() == 0  # hints are built when asked for, never in the page before
    q.locator(".sc-hint").click()
    assert hints.first.is_visible()
    if hints.count() > 1:
        assert not hints.nth(1).is_visible()
    _, wrong = right_and_wrong(spec)
    reveal = q.locator(".sc-reveal")
    for _ in range(spec.get("max_tries", 3)):
        assert not reveal.is_visible()
        answer(book_page, spec, wrong)
    assert reveal.is_visible()
    before = done_count(book_page, spec)
    reveal.click()
    wait_done(book_page, spec, before)
    assert "The answer:" in feedback(book_page, spec).inner_text()
    right_index = to_response(spec, right_and_wrong(spec)[0])
    assert "is-answer" in q.locator(".sc-option").nth(right_index).get_attribute("class")
    # Try again clears the answer and the feedback.
    q.locator(".sc-retry").click()
    assert feedback(book_page, spec).inner_text() == ""
    assert q.locator("input:checked").count() == 0


@pytest.mark.parametrize("kind", ["numeric", "text", "ordering"])
def test_show_answer_for_typed_and_ordered_questions(book_page, specs, kind):
    spec = specs[kind]
    q = box(book_page, spec)
    _, wrong = right_and_wrong(spec)
    for _ in range(spec.get("max_tries", 3)):
        answer(book_page, spec, wrong)
    reveal(book_page, spec)
    text = feedback(book_page, spec).inner_text()
    if kind == "numeric":
        assert "The answer:" in text and "75" in text
    elif kind == "text":
        assert f"An accepted answer: {spec['answers'][0]}" in text
    else:
        shown = [t.split(". ", 1)[-1] for t in q.locator(".sc-item-text").all_inner_texts()]
        assert shown == spec["items"]


def test_progress_survives_reload_and_reset_clears_it(book_page, specs):
    total = book_page.locator(".selfcheck").count()
    summary = book_page.locator(".sc-summary span")
    assert summary.inner_text() == f"Self-checks on this page: 0 of {total} correct."
    for kind in ("numeric", "multiple"):
        answer(book_page, specs[kind], right_and_wrong(specs[kind])[0])
    answer(book_page, specs["text"], right_and_wrong(specs["text"])[1])
    assert summary.inner_text() == f"Self-checks on this page: 2 of {total} correct."
    book_page.reload()
    ready(book_page)
    assert summary.inner_text() == f"Self-checks on this page: 2 of {total} correct."
    assert box(book_page, specs["numeric"]).locator("input").input_value() == right_and_wrong(specs["numeric"])[0]
    assert "is-correct" in feedback(book_page, specs["numeric"]).get_attribute("class")
    assert "is-incorrect" in feedback(book_page, specs["text"]).get_attribute("class")
    book_page.locator(".sc-summary button").click()
    assert summary.inner_text() == f"Self-checks on this page: 0 of {total} correct."
    assert book_page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('course-selfcheck:'))") == []
    book_page.reload()
    ready(book_page)
    assert box(book_page, specs["numeric"]).locator("input").input_value() == ""
    assert feedback(book_page, specs["numeric"]).inner_text() == ""


def test_progress_key_is_id_plus_content_hash(book_page, specs):
    spec = specs["numeric"]
    answer(book_page, spec, right_and_wrong(spec)[0])
    keys = book_page.evaluate("Object.keys(localStorage)")
    assert f"course-selfcheck:{spec['id']}:{rules.content_hash(spec)}" in keys


@pytest.mark.parametrize("junk", ["{not json", "null", "42", '{"r": {"x": 1}, "t": "zz", "h": -3, "x": 1}',
                                  '{"r": [9, 9, 9], "s": "correct", "t": 99}'])
def test_corrupt_storage_never_breaks_the_page(page, book_url, specs, junk):
    page.goto(book_url + PAGE)
    ready(page)
    page.evaluate("""([specs, junk]) => { for (const s of specs) localStorage.setItem(
        'course-selfcheck:' + s.id + ':' + s.v, junk); }""",
                  [[{"id": s["id"], "v": rules.content_hash(s)} for s in specs.values()], junk])
    page.reload()
    ready(page)
    for spec in specs.values():
        answer(page, spec, right_and_wrong(spec)[0])
        assert "is-correct" in feedback(page, spec).get_attribute("class")


def test_blocked_storage_never_breaks_the_page(page, book_url, specs, console):
    page.add_init_script("Object.defineProperty(window, 'localStorage', "
                         "{get() { throw new DOMException('blocked', 'SecurityError'); }});")
    page.goto(book_url + "book/intro.html")  # the theme's own scripts also trip over it ...
    page.wait_for_load_state("load")
    theme_errors = list(console.errors)
    console.errors.clear()
    page.goto(book_url + PAGE)
    ready(page)
    spec = specs["text"]
    answer(page, spec, right_and_wrong(spec)[0])
    assert "is-correct" in feedback(page, spec).get_attribute("class")
    answer(page, specs["single"], right_and_wrong(specs["single"])[0])
    assert console.errors == theme_errors  # ... and the self-checks add none
    console.errors.clear()


def test_python_and_javascript_agree_on_every_case(book_page):
    payload = []
    for name, readable, _, _ in CASES:
        spec = validate(SPECS[name])
        key = rules.compile_key(spec)
        response = to_response(spec, readable)
        payload.append([key, response, rules.check(key, response).as_dict()])
    results = book_page.evaluate("cases => Promise.all(cases.map(([key, r]) => courseSelfcheck.check(key, r)))",
                                 payload)
    mismatches = [(CASES[i], js, py) for i, (js, (_, _, py)) in enumerate(zip(results, payload, strict=True))
                  if js != py]
    assert mismatches == []


def test_javascript_reveals_what_python_sealed(book_page):
    keys = [rules.compile_key(validate(spec)) for spec in SPECS.values()]
    got = book_page.evaluate("keys => Promise.all(keys.map(k => courseSelfcheck.reveal(k)))", keys)
    assert got == [rules.reveal(key) for key in keys]


def _axe(page, dark: bool) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    if dark:
        page.evaluate("document.documentElement.dataset.theme = 'dark';"
                      "document.documentElement.dataset.mode = 'dark';")
    results = Axe().run(page, context={"include": [[".selfcheck"], [".sc-summary"]]},
                        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa",
                                                                       "best-practice"]},
                                 "resultTypes": ["violations"], "preload": False})
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in results.response["violations"]]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_reports_no_violations(book_page, specs, dark):
    """Scoped to the self-checks and their summary bar: the theme's chrome is not ours."""
    for kind, spec in specs.items():
        right, wrong = right_and_wrong(spec)
        answer(book_page, spec, wrong if kind in ("multiple", "text") else right)
    box(book_page, specs["single"]).locator(".sc-hint").click()
    assert _axe(book_page, dark) == []


def test_works_from_a_file_url(page, built_book, specs):
    page.goto((built_book / PAGE).as_uri())
    ready(page)
    spec = specs["numeric"]
    answer(page, spec, right_and_wrong(spec)[0])
    assert "is-correct" in feedback(page, spec).get_attribute("class")


def test_the_anywidget_path_renders_and_reports_answers(page, book_url):
    """The same script as an ES module with a stand-in anywidget model (traits: html, response,
    tries, hints, revealed); no page scan, no storage, no global, unique ids per view."""
    from course_utils.selfcheck import render_html

    html = render_html(validate(SPECS["text"]))
    page.goto(book_url + "book/intro.html")  # a page without self-checks
    assert page.evaluate("typeof courseSelfcheck") == "undefined"
    result = page.evaluate("""async ([code, html]) => {
        const url = URL.createObjectURL(new Blob([code], {type: 'text/javascript'}));
        const widget = (await import(url)).default;
        const state = {html, response: null, tries: 0, hints: 0, revealed: false}, on = {}, sent = [];
        const model = {get: k => state[k], save_changes() { sent.push('save'); },
          set(k, v) { if (k !== 'html') sent.push([k, v]); const old = state[k]; state[k] = v;
                      if (old !== v) (on['change:' + k] || []).forEach(f => f()); },
          on(e, f) { (on[e] = on[e] || []).push(f); }, off(e, f) { on[e] = (on[e] || []).filter(g => g !== f); }};
        const one = document.createElement('div'), two = document.createElement('div');
        document.body.append(one, two);
        widget.render({model, el: one}); widget.render({model, el: two});
        const settle = async (el, n) => { while (+(el.querySelector('.selfcheck').dataset.done || 0) < n)
                                            await new Promise(r => setTimeout(r, 20)); };
        await settle(one, 1); await settle(two, 1);
        one.querySelector('input').value = 'I-shaped';
        one.querySelector('.sc-check').click();
        await settle(one, 2); await settle(two, 2);
        const secondView = two.querySelector('.sc-feedback').textContent;
        one.querySelector('input').value = 't shaped';
        one.querySelector('.sc-check').click();
        await settle(one, 3);
        model.set('response', 'nothing like it');  // Python sets the answer: both views redraw
        for (const el of [one, two])
          while (el.querySelector('.sc-feedback').className !== 'sc-feedback is-incorrect')
            await new Promise(r => setTimeout(r, 20));
        const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
        let leaked = false;
        document.addEventListener('keydown', () => { leaked = true; }, {once: true});
        one.querySelector('input').dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}));
        return {sent, secondView, ids: ids.length - new Set(ids).size, leaked,
                fb: [one, two].map(e => e.querySelector('.sc-feedback').className),
                summary: !!document.querySelector('.sc-summary'), storage: Object.keys(localStorage).filter(k => k.startsWith('course-selfcheck')),
                global: typeof courseSelfcheck};
    }""", [widget_esm(), html])
    responses = [v for k, v in [c for c in result["sent"] if c != "save"] if k == "response"]
    assert responses == ["I-shaped", "t shaped", "nothing like it"]
    assert ["tries", 1] in result["sent"] and ["revealed", False] in result["sent"]
    assert result["secondView"].startswith("Not quite.")  # the other view follows the model
    assert result["fb"] == ["sc-feedback is-incorrect"] * 2
    assert result["ids"] == 0 and result["leaked"] is False
    assert result["summary"] is False and result["storage"] == [] and result["global"] == "undefined"


def test_every_built_page_with_a_selfcheck_loads_the_assets(built_book):
    pages = [p for p in built_book.rglob("*.html") if MARKER in p.read_text(encoding="utf-8")]
    assert any(p.name == "selfchecks.html" for p in pages)
    for path in built_book.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        has_check, has_js = MARKER in html, "course-selfcheck.js" in html
        assert has_check == has_js, path
        assert not re.search(r"<script[^>]+src=\"https?://", html), path
