"""Self-check details of issue 11, on the built book in chromium: typed answers are described by
their instruction and unit, results and explanations are announced, a move past either end of an
ordering says so, "partly right" does not look like "wrong", and feedback shows once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sitepages import PHONE, book_pages

pytestmark = [pytest.mark.site, pytest.mark.browser]

DEMO = "book/selfchecks.html"  # one question of every type


def _open(new_page, site_url: str, rel: str = DEMO, *, dark: bool = False):
    page = new_page(PHONE, dark=dark)
    page.goto(site_url + rel)
    page.wait_for_function("() => window.courseSelfcheck && courseSelfcheck.pageReady")
    page.evaluate("() => courseSelfcheck.pageReady")
    return page


def _press(question, button: str) -> None:
    """Click a button of ``question`` and wait until the self-check has finished with it."""
    before = int(question.get_attribute("data-done") or 0)
    question.locator(f"button.{button}").first.click()
    question.page.wait_for_function(
        "([el, n]) => +(el.dataset.done || 0) > n", arg=[question.element_handle(), before]
    )


def test_every_typed_answer_is_described_by_its_instruction_and_unit(site_html: Path):
    checked, bad = 0, []
    for rel in book_pages(site_html):
        page = (site_html / rel).read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', page))
        for entry in re.findall(r'<div class="sc-entry">.*?</div>', page, re.S):
            field = re.search(r'<input type="text" id="([^"]+)"[^>]*>', entry)
            if not field:
                continue
            checked += 1
            described = re.search(r'aria-describedby="([^"]*)"', field.group(0))
            refs = described.group(1).split() if described else []
            question = field.group(1).rsplit("-input", 1)[0]
            if f"{question}-how" not in refs:
                bad.append(f"{rel}: {field.group(1)} is not described by its instruction")
            units = re.findall(r'<span class="sc-unit" id="([^"]+)"', entry)
            if any(unit not in refs for unit in units):
                bad.append(f"{rel}: {field.group(1)} is not described by its unit")
            if any(ref not in ids for ref in refs):
                bad.append(f"{rel}: {field.group(1)} names a missing element in {refs}")
    assert checked >= 20, f"only {checked} typed answers found"
    assert bad == []


def test_results_hints_and_explanations_are_announced(new_page, site_url):
    page = _open(new_page, site_url)
    regions = page.evaluate("""() => [...document.querySelectorAll('.selfcheck')].map(q =>
        ['.sc-feedback', '.sc-explanation', '.sc-hints'].map(s => {
          const e = q.querySelector(s); return e ? e.getAttribute('aria-live') : 'missing'; }))""")
    assert len(regions) >= 5
    assert {live for question in regions for live in question} == {"polite"}, regions

    # The explanation of a revealed answer lands in its live region, not elsewhere.
    text = page.locator("#sc-selfchecks-example-text")
    for _ in range(5):
        if text.locator("button.sc-reveal").is_visible():
            break
        text.locator("input.sc-input").fill("definitely-not-the-word")
        _press(text, "sc-check")
    _press(text, "sc-reveal")
    explanation = text.locator(".sc-explanation")
    assert explanation.inner_text().startswith("Explanation:"), explanation.inner_text()


def test_a_move_past_either_end_says_so_and_changes_nothing(new_page, site_url):
    page = _open(new_page, site_url)
    question = page.locator("#sc-selfchecks-example-ordering")
    items = question.locator(".sc-item-text")
    order = items.all_inner_texts()
    feedback = question.locator(".sc-feedback")
    question.locator(".sc-item").first.locator("button.sc-up").click()
    assert "already first" in feedback.inner_text(), feedback.inner_text()
    question.locator(".sc-item").last.locator("button.sc-down").click()
    assert "already last" in feedback.inner_text(), feedback.inner_text()
    assert items.all_inner_texts() == order
    question.locator(".sc-item").first.locator("button.sc-down").click()
    assert items.all_inner_texts()[:2] == [order[1], order[0]]
    assert "position 2 of" in feedback.inner_text()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_partly_right_does_not_look_like_wrong(new_page, site_url, dark):
    page = _open(new_page, site_url, dark=dark)
    question = page.locator(".selfcheck:has(input[type=checkbox])").first
    boxes = question.locator("input[type=checkbox]")
    colours = {}
    for i in range(boxes.count()):
        boxes.nth(i).check()
        _press(question, "sc-check")
        status = question.locator(".sc-feedback").get_attribute("class").split("is-")[-1]
        colours[status] = question.locator(".sc-feedback").evaluate(
            "e => { const s = getComputedStyle(e); return [s.borderLeftColor, s.backgroundColor]; }"
        )
        boxes.nth(i).uncheck()
    assert {"partial", "incorrect"} <= colours.keys(), colours
    # The feedback's coloured edge and its background both tell the two apart.
    assert colours["partial"][0] != colours["incorrect"][0], colours
    assert colours["partial"][1] != colours["incorrect"][1], colours
    assert len({edge for edge, _ in colours.values()}) == len(colours), colours


def test_single_choice_feedback_shows_once_and_with_one_verdict(new_page, site_url):
    page = _open(new_page, site_url, "book/01-know-thy-technology/index.html")
    questions = page.locator(".selfcheck:has(input[type=radio])")
    seen = 0
    for n in range(questions.count()):
        question = questions.nth(n)
        radios = question.locator("input[type=radio]")
        for i in range(radios.count()):
            radios.nth(i).check()
            _press(question, "sc-check")
            feedback = question.locator(".sc-feedback").inner_text().strip()
            assert feedback, "no feedback after Check"
            words = feedback.split()
            assert words[:2] != words[2:4] or len(words) < 4, f"verdict twice: {feedback}"
            assert not re.match(r"(Not quite|Correct)\W+(Not quite|Correct)\b", feedback), feedback
            body = feedback.split(None, 2)[-1]
            if len(body) > 20:
                assert question.inner_text().count(body) == 1, f"shown twice: {body}"
                seen += 1
    assert seen >= 5
