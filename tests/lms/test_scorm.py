"""The SCORM package of the real book in chromium, inside a real SCORM runtime (marker ``lms``)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from course_utils.lms.scorm import scorm_package
from course_utils.selfcheck import load_bank
from course_utils.selfcheck.widget import to_response

pytestmark = [pytest.mark.lms, pytest.mark.xdist_group("lms-scorm")]
SCO = "pkg/sco-01-know-thy-technology.html"
PAGE = "book/01-know-thy-technology/index.html"


@pytest.fixture(scope="module")
def bank(repo_root):
    return load_bank(repo_root / "book" / "01-know-thy-technology" / "questions.yml")


def _frame(page):
    return page.frame_locator("#lms").frame_locator("#course-scorm-frame")


def _answer(frame, spec, value):
    q = frame.locator(f".selfcheck[data-selfcheck-id='{spec['id']}']")
    if spec["type"] == "single":
        q.locator("label").nth(to_response(spec, value)).click()  # the page's (shuffled) position
    else:
        q.locator("input").fill(value)
    q.locator(".sc-check").click()
    return q


def _right(spec):
    return next(o["text"] for o in spec["options"] if o.get("correct"))


def _cmi(page, version):
    if version == "1.2":
        script = """() => { const c = window.API.cmi; return {raw: c.core.score.raw, status: c.core.lesson_status,
            location: c.core.lesson_location, suspend: c.suspend_data}; }"""
    else:
        script = """() => { const c = window.API_1484_11.cmi; return {raw: c.score.raw, scaled: c.score.scaled,
            status: c.completion_status, success: c.success_status, progress: c.progress_measure,
            location: c.location, suspend: c.suspend_data}; }"""
    return page.evaluate(script)


def _wait_for(page, version, predicate, what):
    for _ in range(100):
        cmi = _cmi(page, version)
        if predicate(cmi):
            return cmi
        page.wait_for_timeout(100)
    raise AssertionError(f"the runtime never recorded {what}: {cmi}")


def test_scripted_learner_is_recorded_and_resumed(lms_site, lms_browser, bank):
    url, version, site = lms_site
    context = lms_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}host.html?v={version}&sco={SCO}")
    frame = _frame(page)
    frame.locator(".selfcheck[data-ready]").first.wait_for()
    single, numeric = bank["ch01-snapshots-not-panel"], bank["ch01-utilisation-drop"]
    second = bank["ch01-firm-grasp"]
    _answer(frame, single, _right(single))
    _answer(frame, numeric, "10")
    _answer(frame, second, _right(second))
    total = len(json.loads(re.search(r'id="course-scorm-config">(.*?)</script>',
                                     (site / SCO).read_text()).group(1))["questions"])
    pages = [site / "pkg" / PAGE, site / "pkg" / PAGE.replace("index.html", "lab.html")]
    shown = {m for p in pages for m in re.findall(r'data-selfcheck-id="([^"]+)"', p.read_text())}
    assert total == len(shown) > 3  # every self-check of the chapter page and its lab
    expected = round(100 * 2 / total, 2)
    cmi = _wait_for(page, version, lambda c: c["raw"] not in ("", None) and float(c["raw"]) == expected,
                    f"score {expected}")
    state = json.loads(cmi["suspend"])
    assert state["r"][single["id"]][0] == "correct" and state["r"][numeric["id"]][0] == "incorrect"
    assert cmi["location"] == PAGE
    if version == "1.2":
        assert cmi["status"] == "incomplete"
    else:
        assert cmi["status"] == "incomplete" and float(cmi["scaled"]) == pytest.approx(expected / 100, abs=1e-3)
        assert float(cmi["progress"]) == pytest.approx(3 / total, abs=1e-3)
    # The answers went to the LMS, not to the browser's storage.
    keys = page.evaluate("Object.keys(localStorage)")
    assert not [k for k in keys if k.startswith("course-selfcheck:")]

    saved = page.evaluate("relaunch()")
    assert json.loads(saved["cmi.suspend_data"])["r"] == state["r"]
    frame = _frame(page)
    q = frame.locator(f".selfcheck[data-selfcheck-id='{single['id']}']")
    q.locator(".sc-feedback.is-correct").wait_for()
    assert frame.locator(f".selfcheck[data-selfcheck-id='{numeric['id']}'] input").input_value() == "10"
    cmi = _wait_for(page, version, lambda c: c["raw"] not in ("", None), "a score after resume")
    assert float(cmi["raw"]) == expected
    log = page.evaluate("window.lmsLog")
    finish = "Terminate" if version == "2004" else "LMSFinish"
    assert log.count(finish) == 1 and log[-1] != finish
    assert not errors, errors
    print(f"\nSCORM {version} after the scripted learner: {json.dumps(cmi)}")
    context.close()


def test_the_package_works_without_an_lms(lms_site, lms_browser, bank):
    url, version, _site = lms_site
    context = lms_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}{SCO}")  # the launch page with no SCORM API anywhere
    frame = page.frame_locator("#course-scorm-frame")
    single = bank["ch01-snapshots-not-panel"]
    frame.locator(".selfcheck[data-ready]").first.wait_for()
    _answer(frame, single, _right(single)).locator(".sc-feedback.is-correct").wait_for()
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('course-selfcheck:'))")
    page.goto(f"{url}pkg/{PAGE}")  # a page of the package on its own
    q = page.locator(f".selfcheck[data-selfcheck-id='{single['id']}']")
    q.locator(".sc-feedback.is-correct").wait_for()  # restored from the browser as in the book
    assert page.evaluate("globalThis.courseSelfcheckStore === undefined")
    assert not errors, errors
    context.close()


def test_manifest_organisation_follows_the_toc(lms_book, tmp_path):
    for version in ("1.2", "2004"):
        out = tmp_path / f"s{version}.zip"
        report = scorm_package(lms_book, out, version=version)
        with zipfile.ZipFile(out) as archive:
            names = set(archive.namelist())
            manifest = ET.fromstring(archive.read("imsmanifest.xml"))
            pages = {n: archive.read(n).decode() for n in names if n.endswith(".html")}
        ns = manifest.tag.split("}")[0] + "}"
        assert manifest.findtext(f"{ns}metadata/{ns}schemaversion") == ("1.2" if version == "1.2" else "2004 4th Edition")
        org = manifest.find(f"{ns}organizations/{ns}organization")
        folders = [i.findtext(f"{ns}title") for i in org.findall(f"{ns}item") if i.get("identifierref") is None]
        assert folders == ["Start here", "Chapters", "Reference", "For instructors"]
        scos = [i for i in org.iter(f"{ns}item") if i.get("identifierref")]
        assert len(scos) == len(report.scos) >= 12
        files = {f.get("href") for f in manifest.iter(f"{ns}file")}
        assert files <= names and "book/01-know-thy-technology/lab.html" in files
        for name, text in pages.items():
            assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', text), name
        bridge = pages[PAGE].index("course-scorm.js")
        assert bridge < pages[PAGE].index("course-selfcheck")
        assert sum(len(s.questions) for s in report.scos) == sum(
            len(set(re.findall(r'data-selfcheck-id="([^"]+)"', t))) for n, t in pages.items() if n.startswith("book/"))


@pytest.mark.parametrize("right, status", [(True, "passed"), (False, "failed")])
def test_every_self_check_answered_sets_the_final_status(lms_site, lms_browser, right, status):
    url, version, site = lms_site
    config = json.loads(re.search(r'id="course-scorm-config">(.*?)</script>',
                                  (site / SCO).read_text()).group(1))
    context = lms_browser.new_context()
    page = context.new_page()
    page.goto(f"{url}host.html?v={version}&sco={SCO}&mastery=80")
    _frame(page).locator(".selfcheck[data-ready]").first.wait_for()
    frame = next(f for f in page.frames if f.url.endswith(PAGE))
    # The result events of the self-check contract, for every question of the chapter
    # (those of the lab page too, which the learner answered on another visit).
    frame.evaluate("""([ids, right]) => ids.forEach(id => document.dispatchEvent(new CustomEvent(
        "course-selfcheck:result", {detail: {id, status: right ? "correct" : "revealed",
        score: right ? 1 : 0, maxScore: 1}})))""", [config["questions"], right])
    frame.evaluate("""() => document.dispatchEvent(new CustomEvent("course-selfcheck:result",
        {detail: {id: "not-in-this-chapter", status: "correct", score: 1, maxScore: 1}}))""")
    cmi = _wait_for(page, version, lambda c: c["raw"] not in ("", None) and
                    float(c["raw"]) == (100 if right else 0), "the final score")
    if version == "1.2":
        assert cmi["status"] == status
    else:
        assert cmi["status"] == "completed" and cmi["success"] == status
        assert float(cmi["progress"]) == 1
    assert "not-in-this-chapter" not in json.loads(cmi["suspend"])["r"]
    context.close()
