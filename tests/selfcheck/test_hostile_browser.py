"""Hostile text in every field of every question type, every action, in Debian chromium.

Every text field of a single, multiple, numeric, text and ordering question holds markup that
would run script if it ever reached an HTML parser (``<img onerror>``, entity-escaped variants,
``</script>``, ``javascript:`` links, attribute break-outs, code spans) and the page performs
every action: hints, wrong and right answers, too low / too high / far, invalid input, moves up
and down (including past the ends), show answer, try again, the page's reset and a reload that
restores saved progress. The test asserts that

- no script from the data runs (``pwn()`` records a call; a dialog listener records alerts);
- no request leaves 127.0.0.1 (every request is routed; the others are recorded and aborted);
- no element, event-handler attribute or unsafe link is made from the data;
- every field's text shows literally, as Markdown text (entities decoded, not parsed as HTML).

Two sets of questions: "evil" holds raw HTML, which validation refuses (one line per field) and
which is rendered all the same, as defence in depth; "sly" holds only what validation lets through
(entity-escaped markup, script links, code spans). Remote images are refused by validation too; a
question that skips validation and holds them in every field is rendered, and loads nothing. The notebook widget path (the ES module, which
parses the static rendering with DOMParser) gets the same questions.

Marker ``selfcheck_safety`` (issue 9).
"""

from __future__ import annotations

import shutil
from typing import Any
from urllib.parse import urlparse

import pytest

from course_utils.selfcheck import SelfCheckError, render_html, validate
from course_utils.selfcheck.assets import CSS_FILE, JS_FILE, widget_esm
from course_utils.selfcheck.sphinx_ext import STATIC_DIR
from course_utils.selfcheck.widget import to_response
from course_utils.site.serve import serve

pytestmark = [pytest.mark.selfcheck_safety, pytest.mark.browser]

# (source text with F for the field's name, what the page must show for it)
PAYLOADS: list[tuple[str, str]] = [
    ("<img src=x onerror=pwn('F')>", "<img src=x onerror=pwn('F')>"),
    ("&lt;img src=x onerror=pwn('F')&gt;", "<img src=x onerror=pwn('F')>"),
    ("&#60;svg onload=alert('F')&#62;", "<svg onload=alert('F')>"),
    ("</script><script>pwn('F')</script>", "</script><script>pwn('F')</script>"),
    ("[go](javascript:pwn('F'))", "[go](javascript:pwn('F'))"),
    ("[run](JaVa%73cript:pwn('F'))", "run"),
    ("\"><img src=x onerror=pwn('F')>", "\"><img src=x onerror=pwn('F')>"),
    ("`<b onclick=pwn('F')>`", "<b onclick=pwn('F')>"),
]
SETS = {
    # Raw HTML: refused by validation (one line per field), rendered anyway (defence in depth).
    "evil": {"all": list(range(len(PAYLOADS))), "short": [0, 1, 3]},
    # What validation lets through: entity-escaped markup, script links, code spans.
    "sly": {"all": [1, 2, 4, 5, 7], "short": [1, 4, 7]},
}
"""Two sets of questions; "short" is for fields with a small size limit (items, accepted answers)."""
SHOWN: dict[str, str] = {}
"""Every hostile field (by the name its payloads carry) and the text the page must show for it."""


def hostile(field: str, which: list[int], *, plain: bool = False) -> str:
    """The payloads ``which`` for ``field``; ``plain``: a field the page shows as typed."""
    text = " ".join(PAYLOADS[i][0].replace("F", field) for i in which)
    SHOWN[field] = text if plain else " ".join(PAYLOADS[i][1].replace("F", field) for i in which)
    return text


def _specs(name: str) -> list[dict[str, Any]]:
    full, short = SETS[name]["all"], SETS[name]["short"]

    def h(field: str) -> str:
        return hostile(f"{name}.{field}", full)

    return [
        {
            "id": f"{name}-single",
            "type": "single",
            "prompt": h("single.prompt"),
            "max_tries": 1,
            "options": [
                {"text": h("single.o0"), "correct": True, "feedback": h("single.f0")},
                {"text": h("single.o1"), "feedback": h("single.f1")},
                {"text": h("single.o2"), "feedback": h("single.f2")},
            ],
            "hints": [h("single.h0"), h("single.h1")],
            "explanation": h("single.x"),
        },
        {
            "id": f"{name}-multiple",
            "type": "multiple",
            "prompt": h("multiple.prompt"),
            "max_tries": 1,
            "options": [
                {"text": h("multiple.o0"), "correct": True, "feedback": h("multiple.f0")},
                {"text": h("multiple.o1"), "correct": True, "feedback": h("multiple.f1")},
                {"text": h("multiple.o2"), "feedback": h("multiple.f2")},
            ],
            "hints": [h("multiple.h0")],
            "explanation": h("multiple.x"),
        },
        {
            "id": f"{name}-numeric",
            "type": "numeric",
            "prompt": h("numeric.prompt"),
            "max_tries": 1,
            "answer": 0.5,
            "tolerance": {"abs": 0.01},
            "unit": UNIT,
            "feedback": {
                "correct": h("numeric.correct"),
                "incorrect": h("numeric.incorrect"),
                "too_low": h("numeric.low"),
                "too_high": h("numeric.high"),
            },
            "hints": [h("numeric.h0")],
            "explanation": h("numeric.x"),
        },
        {
            "id": f"{name}-text",
            "type": "text",
            "prompt": h("text.prompt"),
            "max_tries": 1,
            # "Show answer" shows the first accepted answer as typed, not as Markdown.
            "answers": [hostile(f"{name}.text.a0", short, plain=True), "<b>bold</b>"],
            # A wrong answer is typed, never shown: not in SHOWN.
            "wrong_answers": [
                {"answer": hostile(f"{name}.text.w0", short, plain=True), "feedback": h("text.wf0")}
            ],
            "feedback": {"correct": h("text.correct"), "incorrect": h("text.incorrect")},
            "hints": [h("text.h0")],
            "explanation": h("text.x"),
        },
        {
            "id": f"{name}-ordering",
            "type": "ordering",
            "prompt": h("ordering.prompt"),
            "max_tries": 1,
            "items": [hostile(f"{name}.ordering.i{i}", short) for i in range(3)],
            "feedback": {"correct": h("ordering.correct"), "incorrect": h("ordering.incorrect")},
            "hints": [h("ordering.h0")],
            "explanation": h("ordering.x"),
        },
    ]


UNIT = "<svg onload=pwn(1)>"
"""A unit is plain text (20 characters at most), shown as written."""


def _fields(value: Any) -> set[str]:
    """The hostile field names in a spec."""
    if isinstance(value, dict):
        return set().union(*map(_fields, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_fields, value)) if value else set()
    if isinstance(value, str) and "pwn('" in value:
        return {value.split("pwn('", 1)[1].split("'", 1)[0]}
    return set()


def expected_texts(spec: dict[str, Any]) -> dict[str, str]:
    """Every field of a spec (by its payload name) and the text the page must show for it."""
    return {name: SHOWN[name] for name in _fields(spec) if ".text.w0" not in name}


IMAGE_SPEC = {
    "id": "evil-images",
    "type": "single",
    "prompt": "![p](https://198.51.100.9/prompt.png) <img src=https://198.51.100.9/raw.png>",
    "options": [
        {
            "text": "![o](https://198.51.100.9/o0.png)",
            "correct": True,
            "feedback": "![f](http://198.51.100.9/f0.png)",
        },
        {"text": "![o](//198.51.100.9/o1.png)", "feedback": "![f](//198.51.100.9/f1.png)"},
    ],
    "hints": ["![h](https://198.51.100.9/h.png)"],
    "explanation": "![x](https://198.51.100.9/x.png)",
    "max_tries": 1,
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hostile self-checks</title>
<link rel="stylesheet" href="{css}"><script defer src="{js}"></script></head>
<body><main>{body}</main></body></html>
"""
INIT = """
window.__pwned = [];
window.pwn = what => { window.__pwned.push(String(what)); };
"""
SAFE_DOM = """() => {
  const bad = [];
  for (const root of document.querySelectorAll('.selfcheck, .sc-summary')) {
    for (const e of root.querySelectorAll('*')) {
      const tag = e.tagName.toLowerCase();
      if (!['div', 'span', 'p', 'strong', 'em', 'code', 'a', 'br', 'fieldset', 'legend', 'label',
            'input', 'button', 'ol', 'li', 'script'].includes(tag)) bad.push('element ' + tag);
      if (tag === 'script' && !(e.type === 'application/json' && e.classList.contains('sc-data')))
        bad.push('script ' + e.outerHTML.slice(0, 80));
      for (const a of e.attributes) {
        if (/^on/i.test(a.name) || a.name === 'srcdoc' || a.name === 'style') bad.push(tag + ' @' + a.name);
        if (a.name === 'href' && !/^(https?:|mailto:|#|[^:]*$)/i.test(a.value)) bad.push('href ' + a.value);
        if (a.name === 'src') bad.push(tag + ' src ' + a.value);
      }
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A page of the hostile questions (rendered exactly as the book's directive renders them)
    with the shipped script and stylesheet, served on 127.0.0.1."""
    specs = []
    for spec in _specs("evil"):  # refused, then rendered all the same
        with pytest.raises(SelfCheckError, match="holds raw HTML"):
            validate(spec)
        specs.append(spec)
    specs += [validate(spec) for spec in _specs("sly")]
    with pytest.raises(SelfCheckError, match="holds an image"):
        validate(IMAGE_SPEC)
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(STATIC_DIR / JS_FILE, folder / JS_FILE)
    shutil.copy(STATIC_DIR / CSS_FILE, folder / CSS_FILE)
    body = "\n".join(render_html(spec) for spec in specs) + render_html(IMAGE_SPEC)
    (folder / "index.html").write_text(
        PAGE.format(css=CSS_FILE, js=JS_FILE, body=body), encoding="utf-8"
    )
    (folder / "blank.html").write_text(
        PAGE.format(css=CSS_FILE, js="none.js", body=""), encoding="utf-8"
    )
    (folder / "none.js").write_text("", encoding="utf-8")
    url, server = serve(folder)
    yield url, specs
    server.shutdown()
    server.server_close()


class Watch:
    """What the page did: script from the data, dialogs, requests off 127.0.0.1, unsafe DOM."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.requests: list[str] = []
        self.dom: list[str] = []
        self.seen: dict[str, list[str]] = {}
        page.add_init_script(INIT)
        page.on("dialog", self._dialog)
        page.context.route("**/*", self._route)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _route(self, route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def snapshot(self, qid: str, action: str) -> None:
        """After an action: record the question's visible text, check the DOM is still safe."""
        text = self.page.locator(f"#sc-{qid} fieldset").inner_text()
        self.seen.setdefault(qid, []).append(text)
        self.dom += [f"{qid} after {action}: {p}" for p in self.page.evaluate(SAFE_DOM)]

    def pwned(self) -> list[str]:
        return self.page.evaluate("window.__pwned")


def _done(page, qid: str) -> int:
    return int(page.locator(f"#sc-{qid}").get_attribute("data-done") or 0)


def _async(page, qid: str, click) -> None:
    """Run an action that ends with an asynchronous check or reveal and wait for it."""
    before = _done(page, qid)
    click()
    page.wait_for_function(
        "([sel, n]) => +(document.querySelector(sel).dataset.done || 0) > n",
        arg=[f"#sc-{qid}", before],
    )


def _hints(page, watch: Watch, qid: str) -> None:
    q = page.locator(f"#sc-{qid}")
    while q.locator(".sc-hint").is_visible():
        q.locator(".sc-hint").click()
        watch.snapshot(qid, "hint")


def _reveal_and_retry(page, watch: Watch, qid: str) -> None:
    q = page.locator(f"#sc-{qid}")
    _async(page, qid, q.locator(".sc-reveal").click)
    watch.snapshot(qid, "show answer")
    q.locator(".sc-retry").click()
    watch.snapshot(qid, "try again")


def position(spec: dict[str, Any], text: str) -> int:
    """Where the page shows the option ``text`` (options are shown shuffled)."""
    return to_response(spec, [text])[0] if spec["type"] == "multiple" else to_response(spec, text)


def _choices(page, watch: Watch, spec: dict[str, Any]) -> None:
    qid, q = spec["id"], page.locator(f"#sc-{spec['id']}")
    inputs = q.locator(".sc-option input")
    good = [position(spec, o["text"]) for o in spec["options"] if o.get("correct")]
    if spec["type"] == "single":
        for i in list(range(len(spec["options"])))[::-1]:  # every wrong option, then the right one
            inputs.nth(i).check()
            _async(page, qid, q.locator(".sc-check").click)
            watch.snapshot(qid, f"answer option {i}")
    else:
        for chosen in (
            list(range(len(spec["options"]))),
            good,
        ):  # partial (every feedback), then right
            for i in range(len(spec["options"])):
                inputs.nth(i).set_checked(i in chosen)
            _async(page, qid, q.locator(".sc-check").click)
            watch.snapshot(qid, f"answer {chosen}")


def _typed(page, watch: Watch, spec: dict[str, Any], answers: list[str]) -> None:
    qid, q = spec["id"], page.locator(f"#sc-{spec['id']}")
    for typed in answers:
        q.locator(".sc-input").fill(typed)
        _async(page, qid, q.locator(".sc-check").click)
        watch.snapshot(qid, f"answer {typed[:30]!r}")


def _ordering(page, watch: Watch, spec: dict[str, Any]) -> None:
    qid, q = spec["id"], page.locator(f"#sc-{spec['id']}")
    n = len(spec["items"])
    q.locator(".sc-item").nth(0).locator(".sc-up").click()  # already first
    watch.snapshot(qid, "move the first up")
    q.locator(".sc-item").nth(n - 1).locator(".sc-down").click()  # already last
    watch.snapshot(qid, "move the last down")
    for i in range(n):
        q.locator(".sc-item").nth(i).locator(".sc-down" if i < n - 1 else ".sc-up").click()
        watch.snapshot(qid, f"move {i}")
    _async(page, qid, q.locator(".sc-check").click)  # most likely wrong
    watch.snapshot(qid, "check")
    for position, wanted in enumerate(spec["items"]):  # then into the right order with the buttons
        texts = q.locator(".sc-item-text").all_inner_texts()
        current = texts.index(SHOWN[wanted.split("pwn('", 1)[1].split("'", 1)[0]])
        for step in range(current - position):
            q.locator(".sc-item").nth(current - step).locator(".sc-up").click()
            watch.snapshot(qid, "move up")
    _async(page, qid, q.locator(".sc-check").click)
    watch.snapshot(qid, "check the right order")


def _every_action(page, watch: Watch, specs: list[dict[str, Any]]) -> None:
    for spec in specs:
        qid, kind = spec["id"], spec["type"]
        watch.snapshot(qid, "load")
        _hints(page, watch, qid)
        if kind in ("single", "multiple"):
            _choices(page, watch, spec)
        elif kind == "numeric":
            _typed(
                page, watch, spec, ["abc", "0.45", "0.55", "5", "0.5 <svg onload=pwn(1)>", "0.5"]
            )
        elif kind == "text":
            _typed(
                page,
                watch,
                spec,
                [
                    spec["wrong_answers"][0]["answer"],
                    "<b>nothing</b>",
                    spec["answers"][1],
                    spec["answers"][0],
                ],
            )
        else:
            _ordering(page, watch, spec)
        q = page.locator(f"#sc-{qid}")
        q.locator(".sc-retry").click()
        watch.snapshot(qid, "try again")
        if kind in ("single", "multiple"):
            inputs = q.locator(".sc-option input")
            wrong = position(spec, next(o["text"] for o in spec["options"] if not o.get("correct")))
            inputs.nth(wrong).check()
            _async(page, qid, q.locator(".sc-check").click)
        elif kind in ("numeric", "text"):
            _typed(page, watch, spec, ["4.04" if kind == "numeric" else "wrong"])
        else:
            q.locator(".sc-item").nth(0).locator(".sc-down").click()  # out of order again
            _async(page, qid, q.locator(".sc-check").click)
        _reveal_and_retry(page, watch, qid)


def _assert_clean(watch: Watch) -> None:
    assert watch.pwned() == [], "script from question data ran"
    assert watch.dialogs == [], "a dialog opened"
    assert watch.outside == [], "a request left 127.0.0.1"
    assert [u for u in watch.requests if urlparse(u).hostname != "127.0.0.1"] == []
    assert watch.dom == [], "unsafe DOM made from question data"


def test_hostile_text_in_every_field_never_runs_loads_or_parses(page, hostile_site):
    url, specs = hostile_site
    watch = Watch(page)
    page.goto(url + "index.html")
    page.wait_for_function("() => window.courseSelfcheck && courseSelfcheck.pageReady")
    page.evaluate("() => courseSelfcheck.pageReady")
    assert page.locator(".selfcheck[data-ready]").count() == len(specs) + 1
    _every_action(page, watch, specs)

    # The question that skipped validation: images in every field show their alt text only.
    q = page.locator("#sc-evil-images")
    q.locator(".sc-hint").click()
    right, wrong = (position(IMAGE_SPEC, o["text"]) for o in IMAGE_SPEC["options"])
    for i in (wrong, right):
        q.locator(".sc-option input").nth(i).check()
        _async(page, "evil-images", q.locator(".sc-check").click)
        watch.snapshot("evil-images", f"answer {i}")
    q.locator(".sc-retry").click()
    q.locator(".sc-option input").nth(wrong).check()
    _async(page, "evil-images", q.locator(".sc-check").click)
    _reveal_and_retry(page, watch, "evil-images")
    assert "p <img src=https://198.51.100.9/raw.png>" in watch.seen["evil-images"][0]

    # Progress saved, restored on reload (feedback rebuilt from storage), then the page reset.
    for spec in specs:
        qid, box = spec["id"], page.locator(f"#sc-{spec['id']}")
        if spec["type"] in ("single", "multiple"):
            box.locator(".sc-option input").nth(2).check()
        elif spec["type"] in ("numeric", "text"):
            box.locator(".sc-input").fill(
                "0.45" if spec["type"] == "numeric" else spec["answers"][0]
            )
        _async(page, qid, box.locator(".sc-check").click)
    page.reload()
    page.wait_for_function("() => window.courseSelfcheck && courseSelfcheck.pageReady")
    page.evaluate("() => courseSelfcheck.pageReady")
    for spec in specs:
        watch.snapshot(spec["id"], "reload")
    assert "text.correct" in watch.seen["evil-text"][-1]  # the restored answer's feedback is shown
    page.locator(".sc-summary button").click()
    for spec in specs:
        watch.snapshot(spec["id"], "reset")

    _assert_clean(watch)
    for name in SETS:
        assert any(UNIT in text for text in watch.seen[f"{name}-numeric"])  # the unit, as written
        moves = "\n".join(watch.seen[f"{name}-ordering"])  # the announcements quote the item's text
        assert f"Moved \u201c<img src=x onerror=pwn('{name}.ordering.i" in moves
        assert any(f"{SHOWN[f'{name}.ordering.i{i}']}\u201d is already" in moves for i in range(3))
    missing = {}
    for spec in specs:
        seen = "\n".join(watch.seen[spec["id"]])
        missing.update(
            {name: text for name, text in expected_texts(spec).items() if text not in seen}
        )
    assert missing == {}, "fields whose text never showed literally"


WIDGET = """async ([code, htmls]) => {
  const url = URL.createObjectURL(new Blob([code], {type: 'text/javascript'}));
  const widget = (await import(url)).default;
  const out = [];
  for (const html of htmls) {
    const state = {html, response: null, tries: 0, hints: 0, revealed: false}, on = {};
    const model = {get: k => state[k], save_changes() {}, set(k, v) { state[k] = v; },
                   on(e, f) { (on[e] = on[e] || []).push(f); }, off() {}};
    const host = document.createElement('div');
    document.body.append(host);
    widget.render({model, el: host});
    const root = host.querySelector('.selfcheck');
    const settle = async n => { while (+(root.dataset.done || 0) < n) await new Promise(r => setTimeout(r, 20)); };
    await settle(1);
    const hint = root.querySelector('.sc-hint');
    while (hint && !hint.hidden) hint.click();
    const input = root.querySelector('.sc-input'), boxes = root.querySelectorAll('.sc-option input');
    if (input) input.value = 'wrong';
    if (boxes.length) boxes[boxes.length - 1].checked = true;
    root.querySelectorAll('.sc-up, .sc-down').forEach(b => b.click());
    root.querySelector('.sc-check').click();
    await settle(2);
    root.querySelector('.sc-reveal').click();
    await settle(3);
    out.push(root.querySelector('fieldset').innerText);
  }
  return out;
}"""


def test_hostile_text_in_the_notebook_widget(page, hostile_site):
    """The anywidget front end parses the static rendering (DOMParser) and adopts it."""
    url, specs = hostile_site
    watch = Watch(page)
    page.goto(url + "blank.html")
    texts = page.evaluate(
        WIDGET, [widget_esm(), [render_html(s) for s in specs] + [render_html(IMAGE_SPEC)]]
    )
    _assert_clean(watch)
    for spec, text in zip(specs, texts[:-1], strict=True):  # the last is IMAGE_SPEC's
        name = spec["id"].split("-")[0]
        assert SHOWN[f"{name}.{spec['type']}.prompt"] in text
        assert SHOWN[f"{name}.{spec['type']}.x"] in text  # the explanation, after "Show answer"
    assert "<img src=https://198.51.100.9/raw.png>" in texts[-1]


MUTANT_AT = "function rich(node) {"
MUTANT = (
    MUTANT_AT
    + ' if (typeof node === "string") { const s = D.createElement("span"); s.innerHTML = node; return s; }'
)


def test_the_watch_catches_a_script_that_parses_text(page, hostile_site, console):
    """The same page with a script that turns text into HTML (the ordering announcement bug of
    issue 9, generalised): the watch must see the script run and the unsafe DOM."""
    url, specs = hostile_site
    source = (STATIC_DIR / JS_FILE).read_text(encoding="utf-8")
    assert MUTANT_AT in source, "the mutation point moved: update MUTANT_AT"
    page.route(
        "**/" + JS_FILE,
        lambda route: route.fulfill(
            body=source.replace(MUTANT_AT, MUTANT), content_type="text/javascript"
        ),
    )
    watch = Watch(page)
    page.goto(url + "index.html")
    page.wait_for_function("() => window.courseSelfcheck && courseSelfcheck.pageReady")
    spec = specs[-1]
    page.locator(f"#sc-{spec['id']} .sc-item").nth(0).locator(".sc-down").click()
    page.wait_for_function("() => window.__pwned.length > 0")
    watch.snapshot(spec["id"], "move")
    assert watch.pwned() and watch.dom
    assert any(u.endswith("/x") for u in watch.requests)  # the parsed <img src=x> loaded
    page.unroute("**/" + JS_FILE)
    console.errors.clear()  # the mutant's broken images, expected here
