"""Malformed banks: every failure class gives the exact one-line message, within a time and
memory bound (a subprocess with a timeout and an address-space limit), never a traceback.

Marker ``selfcheck_safety`` (issue 9).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap

import pytest

from .test_sphinx_ext import make_project, warnings_of

pytestmark = pytest.mark.selfcheck_safety

GOOD = "- id: good-one\n  type: single\n  prompt: Fine\n  options: [a, b]\n  correct: a\n"
LOL = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
       + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
                 for i in range(8)))
MIB_PROMPT = (GOOD + "- id: mib\n  type: text\n  prompt: " + "x" * (1 << 20) + "\n  answers: [x]\n").encode()
MIB_LINKS = (GOOD + "- id: mib-links\n  type: text\n  prompt: '" + "[a](" * (1 << 18) + "'\n  answers: [x]\n").encode()
# class: (bank bytes, expected message after "bank.yml")
BANKS: dict[str, tuple[bytes, str]] = {
    "encoding": ((GOOD + "- id: latin\n  type: text\n  prompt: Caf\xe9?\n  answers: [x]\n").encode("latin-1"),
                 ":8: self-check 'latin': the file is not UTF-8 text (byte 0xe9 on line 8); save it as UTF-8"),
    "alias-bomb": (("- id: bomb\n  type: text\n  prompt: x\n  answers: [x]\n  stuff:\n"
                    + textwrap.indent(LOL, "    ")).encode(),
                   ":1: self-check (id unknown): the YAML expands to more than 20,000 values (YAML aliases "
                   "repeat their anchor; write the text out instead)"),
    "recursive-alias": ((GOOD + "- &r\n  id: loop\n  type: text\n  prompt: x\n  answers: [x]\n  hints: [*r]\n").encode(),
                        ":6: self-check 'loop': a YAML alias refers to the list or mapping that holds it"),
    "deep-nesting": ((GOOD + "- id: deep\n  type: text\n  prompt: x\n  answers: " + "[" * 3000 + "]" * 3000 + "\n").encode(),
                     ":9: self-check 'deep': the YAML is nested more than 16 levels deep"),
    "unhashable-key": ((GOOD + "- id: odd-key\n  type: text\n  prompt: x\n  ? [a, b]\n  : x\n").encode(),
                       ":9: self-check 'odd-key': YAML error: a key must be a plain word, got a list ['a', 'b']"),
    "number-key": ((GOOD + "- id: int-key\n  type: text\n  prompt: x\n  answers: [x]\n  1: x\n").encode(),
                   ":10: self-check 'int-key': YAML error: a key must be a plain word, got a number 1"),
    "control-character": ((GOOD + '- id: nul\n  type: text\n  prompt: "a\x00b"\n  answers: [x]\n').encode(),
                          ":8: self-check 'nul': the text holds the control character U+0000, which YAML does not allow"),
    "unanswerable-numeric": ((GOOD + "- id: huge\n  type: numeric\n  prompt: x\n  answer: 2.1e13\n"
                              "  tolerance: {abs: 0.01}\n").encode(),
                             ":10: self-check 'huge': the answer 21000000000000 cannot be checked to within ±0.01 "
                             "(floating-point numbers are not that precise): give a tolerance of at least 1.05"),
    "percent-and-unit": ((GOOD + "- id: pct\n  type: numeric\n  prompt: x\n  answer: 0.25\n  percent: true\n"
                          "  unit: '%'\n").encode(),
                         ":11: self-check 'pct': give either 'percent: true' (the answer is a share such as 0.25, "
                         "and 25% is accepted) or 'unit: \"%\"' (the answer is in percent, such as 25), not both"),
    "percent-and-other-unit": ((GOOD + "- id: pct-eur\n  type: numeric\n  prompt: x\n  answer: 0.25\n"
                                "  percent: true\n  unit: EUR\n").encode(),
                               ":11: self-check 'pct-eur': 'percent: true' makes the answer a share (0.25 = 25%), "
                               "which has no unit; drop 'unit: EUR' or 'percent'"),
    "yaml-error-at-end": ((GOOD + '- type: text\n  prompt: "unclosed\n').encode(),
                          ":7: self-check (id unknown): YAML syntax error: while scanning a quoted scalar, "
                          "found unexpected end of stream"),
    "stray-line-at-end": ((GOOD + "oops: [\n").encode(),
                          ":6: self-check (id unknown): YAML syntax error: expected <block end>, but found '?'"),
    "misspelled-key-with-shorthand": ((GOOD + "- id: typo\n  type: single\n  prompt: x\n  optons: [a, b]\n"
                                       "  correct: a\n").encode(),
                                      ":9: self-check 'typo': unknown key 'optons' (did you mean 'options'?)"),
    "duplicate-id": ((GOOD + GOOD).encode(),
                     ":6: self-check 'good-one': duplicate id (first defined on line 1)"),
    "huge-prompt": ((GOOD + "- id: big\n  type: text\n  prompt: '" + "[a](" * 50_000 + "'\n  answers: [x]\n").encode(),
                    ":8: self-check 'big': 'prompt' is 200,000 characters long (at most 2,000)"),
    "huge-file": ((GOOD + "# " + "x" * 1_100_000 + "\n").encode(),
                  ":1: self-check (id unknown): the question bank is 1,100,079 bytes (at most 1,000,000); "
                  "split it into several banks"),
    "too-many-hints": ((GOOD + "- id: hints\n  type: text\n  prompt: x\n  answers: [x]\n  hints: ["
                        + ",".join(["h"] * 11) + "]\n").encode(),
                       ":10: self-check 'hints': 'hints' has 11 entries (at most 10)"),
    "image": ((GOOD + "- id: pic\n  type: text\n  prompt: 'See ![chart](https://example.org/c.png)'\n"
               "  answers: [x]\n").encode(),
              ":8: self-check 'pic': 'prompt' holds an image ('https://example.org/c.png'); self-check text may "
              "not load anything: describe it in words or put the image on the page"),
    "image-in-feedback": ((GOOD + "- id: pic2\n  type: single\n  prompt: x\n  options:\n    - {text: a, correct: true,"
                           " feedback: '![](http://198.51.100.1/t.gif)'}\n    - b\n").encode(),
                          ":10: self-check 'pic2': 'options[0].feedback' holds an image ('http://198.51.100.1/t.gif'); "
                          "self-check text may not load anything: describe it in words or put the image on the page"),
    "huge-links-under-file-limit": ((GOOD + "- id: links\n  type: text\n  prompt: '" + "[a](" * 247_000
                                     + "'\n  answers: [x]\n").encode(),
                                    ":8: self-check 'links': 'prompt' is 988,000 characters long (at most 2,000)"),
    "mib-prompt": (MIB_PROMPT, f":1: self-check (id unknown): the question bank is {len(MIB_PROMPT):,} bytes (at most "
                               "1,000,000); split it into several banks"),
    "mib-links": (MIB_LINKS, f":1: self-check (id unknown): the question bank is {len(MIB_LINKS):,} bytes (at most "
                             "1,000,000); split it into several banks"),
    "raw-html": ((GOOD + "- id: html\n  type: text\n  prompt: '<img src=x onerror=alert(1)>'\n  answers: [x]\n").encode(),
                 ":8: self-check 'html': 'prompt' holds raw HTML ('<img src=x onerror=alert(1)>'); self-check text is "
                 "inline Markdown and shows HTML as written: use **bold**, *italic* or `code`"),
    "raw-html-in-feedback": ((GOOD + "- id: html2\n  type: single\n  prompt: x\n  options:\n    - {text: a, correct: true,"
                              " feedback: 'Yes </script><script>alert(1)</script>'}\n    - b\n").encode(),
                             ":10: self-check 'html2': 'options[0].feedback' holds raw HTML ('</script>'); self-check "
                             "text is inline Markdown and shows HTML as written: use **bold**, *italic* or `code`"),
    "not-a-list": (b"id: lonely\n",
                   ":1: self-check (id unknown): a question bank must be a YAML list of questions (each starting "
                   "with '- id:')"),
}

LOADER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: an expanding bomb dies here
from course_utils.selfcheck.spec import load_bank
from course_utils.selfcheck import SelfCheckError
try:
    load_bank(sys.argv[1], display="bank.yml")
    print("LOADED")
except SelfCheckError as error:
    print(error)
"""


@pytest.mark.parametrize("name", sorted(BANKS))
def test_malformed_bank_gives_the_exact_line(tmp_path, name):
    data, expected = BANKS[name]
    path = tmp_path / "bank.yml"
    path.write_bytes(data)
    result = subprocess.run([sys.executable, "-c", LOADER, str(path)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    assert result.stdout.splitlines() == ["bank.yml" + expected]


BOOK_CONF_EXTRA = """
import course_utils.selfcheck.sphinx_ext as _ext
_render = _ext.render_html
def _boom(spec):
    if spec["id"] == "internal-bug":
        raise KeyError("a bug in the renderer")
    return _render(spec)
_ext.render_html = _boom
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def test_a_book_with_every_bad_bank_finishes_with_one_line_each(tmp_path):
    """One Sphinx build over all classes: bounded in time (timeout) and memory (rlimit); one
    warning per bad bank even when five directives use it; locations that exist."""
    pages: dict[str, str] = {}
    for name, (data, _) in BANKS.items():
        (tmp_path / "banks").mkdir(exist_ok=True)
        (tmp_path / "banks" / f"{name}.yml").write_bytes(data)
        uses = 5 if name == "alias-bomb" else 1
        pages[f"{name}.md"] = f"# {name}\n\n" + "".join(
            f"```{{selfcheck}}\n:bank: banks/{name}.yml\n:id: q{i}\n```\n\n" for i in range(uses))
    pages["noid.md"] = "# No id\n\ntext\n\n```{selfcheck}\n:bank: banks/ok.yml\n```\n"
    pages["unknownid.md"] = "# Unknown id\n\n```{selfcheck}\n:bank: banks/ok.yml\n:id: nope\n```\n"
    pages["mib-body.md"] = "# Body\n\n```{selfcheck}\nid: mib-body\ntype: text\nprompt: " + "[a](" * (1 << 18) + "\nanswers: [x]\n```\n"
    pages["bug.md"] = "# Bug\n\n```{selfcheck}\nid: internal-bug\ntype: text\nprompt: p\nanswers: [x]\n```\n"
    root = make_project(tmp_path, pages)
    (root / "banks" / "ok.yml").write_text(GOOD, encoding="utf-8")
    with open(root / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(BOOK_CONF_EXTRA)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", str(root),
                             str(root / "_build")], capture_output=True, text=True, timeout=240,
                            preexec_fn=_limit_memory)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = warnings_of(result)
    for name, (_, expected) in BANKS.items():
        where, _, message = expected.partition(": ")
        wanted = f"banks/{name}.yml{where}: WARNING: {message}"
        hits = [ln for ln in lines if ln.endswith(wanted)]
        assert len(hits) == 1, (name, wanted, [ln for ln in lines if name in ln])
    assert any(ln.endswith("noid.md:5: WARNING: self-check (id unknown): a question from a bank needs both "
                           ":bank: and :id:") for ln in lines), lines
    assert any(ln.endswith("unknownid.md:3: WARNING: banks/ok.yml: self-check 'nope': no question with this id "
                           "in the bank (ids there: good-one)") for ln in lines), lines
    assert any(ln.endswith("bug.md:3: WARNING: self-check: could not build this self-check (KeyError: "
                           "'a bug in the renderer'); please report it") for ln in lines), lines
    assert any(ln.endswith("mib-body.md:4: WARNING: self-check (id unknown): the YAML is 1,048,621 characters "
                           "long (at most 1,000,000)") for ln in lines), [ln for ln in lines if "mib-body" in ln]
    assert not [ln for ln in lines if ".yml.rst" in ln or ".yml:" not in ln and ".md:" not in ln], lines
    assert len(lines) == len(BANKS) + 4, json.dumps(lines, indent=1)


def test_directive_body_errors_name_the_page_line(tmp_path):
    root = make_project(tmp_path, {"p.md": "# P\n\n```{selfcheck}\nid: body-q\ntype: numeric\nprompt: p\n"
                                           "answer: 0.5\npercent: true\nunit: '%'\n```\n"})
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(root), str(root / "_build")],
                            capture_output=True, text=True, timeout=120)
    lines = warnings_of(result)
    assert len(lines) == 1 and "p.md:9: WARNING: self-check 'body-q': give either 'percent: true'" in lines[0], lines


def test_a_unit_percent_question_takes_25_and_25_percent():
    from course_utils.selfcheck import rules, validate

    key = rules.compile_key(validate({"id": "pp", "type": "numeric", "prompt": "p", "answer": 25,
                                      "unit": "%", "tolerance": {"abs": 0.5}}))
    assert [rules.check(key, t).status for t in ("25", "25%", "25 %", "0.25")] == [
        "correct", "correct", "correct", "incorrect"]
