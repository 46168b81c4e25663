"""QTI 1.2 and Moodle XML exports of the real book's self-checks (marker ``lms``)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml

from course_utils.cli import main
from course_utils.lms.collect import collect
from course_utils.lms.moodle import moodle_xml
from course_utils.lms.qti import QTI_NS, qti_zip

pytestmark = pytest.mark.lms
Q = f"{{{QTI_NS}}}"
QTI_TYPES = {"single": "multiple_choice_question", "multiple": "multiple_answers_question",
             "numeric": "numerical_question", "text": "short_answer_question",
             "ordering": "matching_question"}
MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical",
                "text": "shortanswer", "ordering": "matching"}
# QTI 1.2 ASI content models of the elements the export writes (allowed children, in order).
# No package on the index ships the IMS QTI 1.2 XSD/DTD or a Moodle XML schema, so the
# structure is checked here against the specification's element order.
QTI_CHILDREN = {
    "questestinterop": ["assessment"], "assessment": ["qtimetadata", "section"],
    "section": ["item"], "item": ["itemmetadata", "presentation", "resprocessing", "itemfeedback"],
    "itemmetadata": ["qtimetadata"], "qtimetadata": ["qtimetadatafield"],
    "qtimetadatafield": ["fieldlabel", "fieldentry"],
    "presentation": ["material", "response_lid", "response_str"],
    "response_lid": ["material", "render_choice"], "response_str": ["render_fib"],
    "render_choice": ["response_label"], "render_fib": ["response_label"],
    "response_label": ["material"], "material": ["mattext"],
    "resprocessing": ["outcomes", "respcondition"], "outcomes": ["decvar"],
    "respcondition": ["conditionvar", "setvar", "displayfeedback"],
    "conditionvar": ["not", "and", "or", "other", "varequal", "vargte", "varlte"],
    "and": ["not", "varequal", "vargte", "varlte"], "not": ["varequal"],
    "itemfeedback": ["flow_mat"], "flow_mat": ["material"],
}
QTI_LEAVES = {"fieldlabel", "fieldentry", "mattext", "decvar", "setvar", "displayfeedback",
              "varequal", "vargte", "varlte", "other"}


def _bank_types(repo: Path) -> Counter:
    """Types of every question of the book, read straight from the YAML (not through collect)."""
    import re

    counts: Counter = Counter()
    seen: set[str] = set()
    for bank in sorted((repo / "book").rglob("*.yml")):
        for q in yaml.safe_load(bank.read_text()) or []:
            if q["id"] not in seen:
                seen.add(q["id"])
                counts[q["type"]] += 1
    fence = re.compile(r"^```\{selfcheck\}\n(.*?)^```$", re.M | re.S)
    for page in sorted((repo / "book").rglob("*.md")):
        for body in fence.findall(page.read_text()):
            if body.startswith(":"):
                continue
            q = yaml.safe_load(body)
            if q["id"] not in seen:
                seen.add(q["id"])
                counts[q["type"]] += 1
    return counts


def _check_structure(element: ET.Element) -> None:
    tag = element.tag.removeprefix(Q)
    if tag in QTI_LEAVES:
        assert len(element) == 0, f"<{tag}> must have no children"
        return
    allowed = QTI_CHILDREN[tag]
    positions = [allowed.index(child.tag.removeprefix(Q)) for child in element]
    if tag not in ("conditionvar", "and", "presentation"):
        assert positions == sorted(positions), f"<{tag}> children out of order"
    for child in element:
        _check_structure(child)


@pytest.fixture(scope="module")
def chapters(repo_root):
    return collect(repo_root / "book")


@pytest.fixture(scope="module")
def qti_files(chapters) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(qti_zip(chapters))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_question_of_the_book_is_collected(chapters, repo_root):
    collected = Counter(q["type"] for c in chapters for q in c.questions)
    assert collected == _bank_types(repo_root)
    assert sum(collected.values()) >= 40
    assert set(collected) == set(QTI_TYPES)


def test_qti_items_per_type_match_the_banks(chapters, qti_files):
    manifest = ET.fromstring(qti_files["imsmanifest.xml"])
    hrefs = [f.get("href") for f in manifest.iter() if f.tag.endswith("file")]
    assert all(h in qti_files for h in hrefs)
    assessments = [n for n in qti_files if n.endswith(".xml") and "/" in n and "assessment_meta" not in n]
    assert len(assessments) == len(chapters)
    counts: Counter = Counter()
    for name in assessments:
        root = ET.fromstring(qti_files[name])
        _check_structure(root)
        for item in root.iter(f"{Q}item"):
            fields = {f.findtext(f"{Q}fieldlabel"): f.findtext(f"{Q}fieldentry")
                      for f in item.iter(f"{Q}qtimetadatafield")}
            counts[fields["question_type"]] += 1
    expected = Counter(QTI_TYPES[q["type"]] for c in chapters for q in c.questions)
    assert counts == expected


def test_qti_answers_are_the_banks_answers(chapters, qti_files):
    specs = {q["id"]: q for c in chapters for q in c.questions}
    items = {i.get("ident"): i for n, d in qti_files.items() if n.endswith(".xml") and "/" in n
             for i in ET.fromstring(d).iter(f"{Q}item")}
    assert set(items) == set(specs)
    for qid, spec in specs.items():
        item = items[qid]
        scoring = [c for c in item.iter(f"{Q}respcondition") if c.find(f"{Q}setvar") is not None]
        if spec["type"] == "single":
            right = [i for i, o in enumerate(spec["options"]) if o.get("correct")]
            assert [v.text for v in scoring[0].iter(f"{Q}varequal")] == [f"{qid}-o{right[0]}"]
        elif spec["type"] == "numeric":
            low = float(scoring[0].findtext(f".//{Q}vargte"))
            high = float(scoring[0].findtext(f".//{Q}varlte"))
            assert low < spec["answer"] < high or low == high == spec["answer"]
            assert len(scoring) == (2 if spec.get("percent") else 1)
        elif spec["type"] == "text":
            assert [v.text for v in scoring[0].iter(f"{Q}varequal")] == spec["answers"]
        elif spec["type"] == "ordering":
            assert len(scoring) == len(spec["items"])


def test_moodle_questions_per_type_match_the_banks(chapters):
    root = ET.fromstring(moodle_xml(chapters))
    questions = root.findall("question")
    categories = [q for q in questions if q.get("type") == "category"]
    assert len(categories) == len(chapters)
    counts = Counter(q.get("type") for q in questions if q.get("type") != "category")
    assert counts == Counter(MOODLE_TYPES[q["type"]] for c in chapters for q in c.questions)
    for q in questions:
        if q.get("type") == "multichoice":
            fractions = [float(a.get("fraction")) for a in q.findall("answer")]
            assert abs(sum(f for f in fractions if f > 0) - 100) < 0.01
    native = ET.fromstring(moodle_xml(chapters, ordering="native"))
    assert len([q for q in native if q.get("type") == "ordering"]) == counts["matching"]


def test_reexport_is_byte_identical_and_ids_are_stable(chapters):
    assert qti_zip(chapters) == qti_zip(chapters)
    assert moodle_xml(chapters) == moodle_xml(chapters)
    root = ET.fromstring(moodle_xml(chapters))
    ids = [q.findtext("idnumber") for q in root if q.get("type") != "category"]
    assert ids == [q["id"] for c in chapters for q in c.questions]


# Raw HTML is refused when a bank is read (issue 9), so the markup arrives entity-escaped: Markdown
# turns it back into the text "<script>...", which every export must escape.
HOSTILE = """\
- id: hostile
  type: single
  prompt: "Is &lt;script&gt;alert(1)&lt;/script&gt; ]]> & **bold** safe?"
  options:
    - text: "yes &lt;b&gt;]]>&lt;/b&gt; &amp;"
      correct: true
      feedback: "&lt;img src=x onerror=alert(1)&gt;"
    - text: "no"
  explanation: "CDATA ends with ]]> and & starts an entity"
"""


def test_hostile_text_survives_escaped(tmp_path):
    bank = tmp_path / "questions.yml"
    bank.write_text(HOSTILE)
    chapters = collect(bank)
    with zipfile.ZipFile(io.BytesIO(qti_zip(chapters))) as archive:
        qti = next(archive.read(n) for n in archive.namelist() if n.endswith("questions.xml"))
    for data, text_tag in ((qti, f"{Q}mattext"), (moodle_xml(chapters), "text")):
        root = ET.fromstring(data)  # well-formed despite ]]> and &
        texts = [t.text or "" for t in root.iter(text_tag)]
        prompt = next(t for t in texts if "alert(1)</script>" in t or "&lt;script&gt;" in t)
        assert "<script>" not in prompt and "&lt;script&gt;alert(1)&lt;/script&gt;" in prompt
        assert "]]&gt;" in prompt and "&amp;" in prompt and "<strong>bold</strong>" in prompt
        assert not any("<img" in t for t in texts)
        assert any("&lt;img src=x" in t for t in texts)


def test_round_trip_through_moodle_xml_parser(chapters):
    from moodle_xml_parser.parser import parse_string

    parsed = parse_string(moodle_xml(chapters).decode())["multichoice"]
    specs = {q["id"]: q for c in chapters for q in c.questions if q["type"] in ("single", "multiple")}
    assert {p.name for p in parsed} == set(specs)
    for p in parsed:
        spec = specs[p.name]
        assert p.single == (spec["type"] == "single")
        right = [o.score_fraction > 0 for o in p.options]
        assert right == [bool(o.get("correct")) for o in spec["options"]]


def test_round_trip_through_qti2latex_reader(qti_files, chapters):
    import qti2latex

    specs = {q["id"]: q for c in chapters for q in c.questions}
    seen = 0
    for name, data in qti_files.items():
        if not name.endswith(".xml") or "/" not in name or "assessment_meta" in name:
            continue
        for item in ET.fromstring(data).iter(f"{Q}item"):
            spec = specs[item.get("ident")]
            meta = qti2latex.get_qti_metadata(item)
            assert qti2latex.guess_type(meta, item) == QTI_TYPES[spec["type"]]
            assert "<p>" in qti2latex.get_item_stem(item)
            if spec["type"] in ("single", "multiple"):
                assert len(qti2latex.get_choices(item)) == len(spec["options"])
            seen += 1
    assert seen == len(specs)


@pytest.mark.parametrize("bad, problem", [
    ("- id: x1\n  type: single\n  prompt: p\n  options: [a, b]\n  correct: c\n", "not among the options"),
    ("- id: x2\n  type: numeric\n  prompt: p\n  answer: many\n", "is not a number"),
    ("- id: x3\n  type: single\n  prompt: [\n", "YAML syntax error"),
])
def test_bad_bank_gives_one_line_error(tmp_path, capsys, bad, problem):
    bank = tmp_path / "questions.yml"
    bank.write_text(bad)
    assert main(["quiz", "export", str(bank), "--format", "qti", "--out", str(tmp_path / "q.zip")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "questions.yml" in err and problem in err and "Traceback" not in err
    assert not (tmp_path / "q.zip").exists()


def test_cli_writes_both_formats(tmp_path, repo_root, capsys):
    for fmt, name in (("qti", "q.zip"), ("moodle", "m.xml")):
        assert main(["quiz", "export", str(repo_root / "book"), "--format", fmt,
                     "--out", str(tmp_path / name), "--chapter", "02"]) == 0
    assert "7 questions in 1 chapters" in capsys.readouterr().out
    assert zipfile.is_zipfile(tmp_path / "q.zip")
