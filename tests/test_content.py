"""Content rules of the chapter pages (marker ``content``; pure text checks, no build, < 2 s).

- every self-check on a chapter page is classified (apply/recall, objective) in
  tests/data/selfcheck_kinds.yml, and at least two thirds of each chapter's self-checks are *apply*;
- no two self-checks in the book are duplicates (same or nearly the same prompt, or the same answer
  key to a similar prompt);
- the learning objectives carry their stable numbers and short names;
- every chapter page states prerequisites and a time estimate, and the intro states prerequisites;
- the instructor guide's schedule and page-length claim match the book;
- a few consistency points decided for issue 12 (service-profit chain, spellings, Crépin).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from course_utils.selfcheck.spec import load_bank

pytestmark = pytest.mark.content

REPO_ROOT = Path(__file__).resolve().parents[1]
BOOK = REPO_ROOT / "book"
CHAPTERS = sorted(p.parent for p in BOOK.glob("0[1-6]-*/index.md"))
KINDS_FILE = Path(__file__).parent / "data" / "selfcheck_kinds.yml"
MIN_APPLY_SHARE = Fraction(2, 3)

DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{selfcheck\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$",
                       re.MULTILINE | re.DOTALL)
OBJECTIVE = re.compile(r"^- \*\*(?P<num>\d\.\d+) (?P<name>[^*]+?)\.\*\*", re.MULTILINE)


# ------------------------------------------------------------------ reading pages and banks


def chapter_number(chapter: Path) -> int:
    return int(chapter.name[:2])


def shown_selfchecks(page: Path) -> list[dict[str, Any]]:
    """The self-check specs a page shows, in page order (from its bank or written inline)."""
    text = page.read_text(encoding="utf-8")
    specs = []
    for match in DIRECTIVE.finditer(text):
        body = match.group("body")
        options = dict(re.findall(r"^:(\w+):\s*(.+?)\s*$", body, re.MULTILINE))
        if "bank" in options:
            bank = load_bank(page.parent / options["bank"])
            assert options.get("id") in bank, f"{page}: id {options.get('id')!r} not in {options['bank']}"
            specs.append(bank[options["id"]])
        else:
            specs.append(yaml.safe_load(body))
    return specs


def all_book_selfchecks() -> list[tuple[str, dict[str, Any]]]:
    """Every self-check spec in the book: all banks and all inline directives, with where it lives."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for bank_file in sorted(BOOK.rglob("*.yml")):
        data = yaml.safe_load(bank_file.read_text(encoding="utf-8"))
        if isinstance(data, list) and all(isinstance(q, dict) and "prompt" in q for q in data):
            for qid, spec in load_bank(bank_file).items():
                found[(str(bank_file.relative_to(REPO_ROOT)), qid)] = spec
    for page in sorted(BOOK.rglob("*.md")):
        for match in DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            if not re.search(r"^:bank:", match.group("body"), re.MULTILINE):
                spec = yaml.safe_load(match.group("body"))
                found[(str(page.relative_to(REPO_ROOT)), spec["id"])] = spec
    return [(f"{where}:{qid}", spec) for (where, qid), spec in found.items()]


def kinds() -> dict[str, Any]:
    return yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8"))


def prose_words(text: str) -> int:
    """Words of running text: outside fenced blocks and tables, citations dropped, roles as text."""
    kept, fence = [], None
    for line in text.splitlines():
        marker = re.match(r"^(`{3,}|:{3,})", line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif line.strip() == fence:
                fence = None
            continue
        if fence is None and not line.lstrip().startswith("|"):
            kept.append(line)
    joined = re.sub(r"\{cite:[pt]\}`[^`]*`", "", "\n".join(kept))
    joined = re.sub(r"\{(?:term|doc)\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", joined)
    return len(joined.split())


# ------------------------------------------------------------------ duplicates


def normalise(text: str) -> str:
    text = re.sub(r"[*_`>]", " ", str(text).lower())
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def answer_key(spec: dict[str, Any]) -> tuple[Any, ...]:
    """What counts as the answer of a question, normalised, so that two specs can be compared."""
    kind = spec["type"]
    if kind == "text":
        return (kind, frozenset(normalise(a) for a in spec["answers"]))
    if kind == "numeric":
        return (kind, float(spec["answer"]), normalise(spec.get("unit", "")))
    if kind == "ordering":
        return (kind, tuple(normalise(i) for i in spec["items"]))
    correct = frozenset(normalise(o["text"]) for o in spec["options"] if o.get("correct"))
    return (kind, correct)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def full_text(spec: dict[str, Any]) -> str:
    """Prompt plus everything a learner chooses from or types: the question as a whole."""
    parts = [spec["prompt"], *map(str, spec.get("answers", [])), *map(str, spec.get("items", []))]
    parts += [option["text"] for option in spec.get("options", [])]
    if "answer" in spec:
        parts.append(str(spec["answer"]))
    return " ".join(parts)


def are_duplicates(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Nearly the same question as a whole, or the same answer key to a clearly similar prompt.

    Prompts alone are not enough: two ordering questions may share the template "Put the steps
    in order" and still ask about different things.
    """
    if similarity(full_text(a), full_text(b)) >= 0.65:
        return True
    same_answer = a["type"] == b["type"] and answer_key(a) == answer_key(b)
    return same_answer and similarity(a["prompt"], b["prompt"]) >= 0.5


# The pair issue 12 found: two "complete the commandment" questions on two pages.
OLD_COMMANDMENT_PAIR = (
    {"id": "a", "type": "text", "answers": ["marketing"],
     "prompt": "Complete Bernhart's second commandment: \"If you're a technologist, know thy ______\". (One word.)"},
    {"id": "b", "type": "text", "answers": ["technology"],
     "prompt": "Complete Bernhart's first commandment: \"If you're a marketer, know thy ____.\" (One word.)"},
)


def test_duplicate_detector_catches_the_old_commandment_pair() -> None:
    assert are_duplicates(*OLD_COMMANDMENT_PAIR)


def test_duplicate_detector_catches_same_answer_to_a_reworded_prompt() -> None:
    a = {"type": "numeric", "answer": 4, "prompt": "In the worked example, what is Fleur's breadth with the default rule?"}
    b = {"type": "numeric", "answer": 4, "prompt": "What breadth does Fleur have in the worked example under the default rule?"}
    assert are_duplicates(a, b)


def test_duplicate_detector_lets_a_shared_prompt_template_pass() -> None:
    a = {"type": "ordering", "prompt": "Put the steps in the order this page recommends.",
         "items": ["Read the question", "Answer and press Check", "Read the feedback"]}
    b = {"type": "ordering", "prompt": "Put the steps in the order this chapter recommends.",
         "items": ["Rate yourself", "Measure the gaps", "Write the actions"]}
    assert not are_duplicates(a, b)


def test_duplicate_detector_lets_different_questions_pass() -> None:
    a = {"type": "numeric", "answer": 2, "prompt": "How many ads are hybrid ads at a threshold of two?"}
    b = {"type": "numeric", "answer": 2, "prompt": "In the four-task excerpt, how many tasks break a RACI rule?"}
    assert not are_duplicates(a, b)


def test_no_duplicate_selfchecks_in_the_book() -> None:
    specs = all_book_selfchecks()
    assert len(specs) >= 30, f"found only {len(specs)} self-checks; is the collection broken?"
    ids = [spec["id"] for _, spec in specs]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"self-check ids used more than once in the book: {repeated}"
    pairs = [
        f"{wa} ~ {wb}"
        for i, (wa, a) in enumerate(specs)
        for wb, b in specs[i + 1:]
        if are_duplicates(a, b)
    ]
    assert not pairs, "duplicate self-checks: " + "; ".join(pairs)


# ------------------------------------------------------------------ apply / recall


def test_classification_file_is_well_formed() -> None:
    data = kinds()
    objectives = data["objectives"]
    for qid, entry in data["selfchecks"].items():
        assert entry["kind"] in {"apply", "recall"}, f"{KINDS_FILE.name}: {qid}: kind {entry['kind']!r}"
        assert entry["objective"] in objectives, f"{KINDS_FILE.name}: {qid}: unknown objective {entry['objective']!r}"
        assert entry["objective"].split(".")[0] == str(int(qid[2:4])), (
            f"{KINDS_FILE.name}: {qid}: objective {entry['objective']} belongs to another chapter")


def test_every_chapter_selfcheck_is_classified_and_nothing_is_stale() -> None:
    classified = set(kinds()["selfchecks"])
    on_pages = {spec["id"] for chapter in CHAPTERS for spec in shown_selfchecks(chapter / "index.md")}
    in_banks = {qid for chapter in CHAPTERS if (chapter / "questions.yml").is_file()
                for qid in load_bank(chapter / "questions.yml")}
    missing = sorted((on_pages | in_banks) - classified)
    stale = sorted(classified - (on_pages | in_banks))
    unshown = sorted(in_banks - on_pages)
    assert not missing, f"not classified in {KINDS_FILE.name}: {missing}"
    assert not stale, f"classified in {KINDS_FILE.name} but in no chapter bank or page: {stale}"
    assert not unshown, f"in a chapter bank but shown on no chapter page: {unshown}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_two_thirds_of_a_chapters_selfchecks_ask_to_apply(chapter: Path) -> None:
    table = kinds()["selfchecks"]
    shown = [spec["id"] for spec in shown_selfchecks(chapter / "index.md")]
    assert shown, f"{chapter.name}: no self-checks"
    apply = [qid for qid in shown if table.get(qid, {}).get("kind") == "apply"]
    share = Fraction(len(apply), len(shown))
    assert share >= MIN_APPLY_SHARE, (
        f"{chapter.name}: {len(apply)} of {len(shown)} self-checks ask to apply an idea; "
        f"need at least two thirds. Recall: {sorted(set(shown) - set(apply))}")


# ------------------------------------------------------------------ objectives, prerequisites


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_objectives_have_their_stable_names(chapter: Path) -> None:
    text = (chapter / "index.md").read_text(encoding="utf-8")
    section = text.split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
    on_page = {m["num"]: m["name"].strip() for m in OBJECTIVE.finditer(section)}
    n = chapter_number(chapter)
    expected = {num: name for num, name in kinds()["objectives"].items() if num.startswith(f"{n}.")}
    assert on_page == expected, f"{chapter.name}: objectives on the page {on_page} != stable names {expected}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_chapter_states_prerequisites_and_time_first(chapter: Path) -> None:
    text = (chapter / "index.md").read_text(encoding="utf-8")
    head = text.split("## Learning objectives", 1)[0]
    assert "**Prerequisites:**" in head, f"{chapter.name}: no prerequisites before the objectives"
    assert re.search(r"\*\*Time:\*\*[^\n]*\d+ minutes", head), f"{chapter.name}: no time estimate in minutes"


def test_intro_states_prerequisites_plainly() -> None:
    text = (BOOK / "intro.md").read_text(encoding="utf-8")
    assert "## Prerequisites" in text
    assert "no programming experience" not in text.lower(), "the intro must not promise no programming"
    assert "Lab 0" in text


# ------------------------------------------------------------------ instructor guide


def test_one_week_schedule_schedules_every_exercise() -> None:
    text = (BOOK / "instructor-guide.md").read_text(encoding="utf-8")
    week = text.split("**One-week intensive**", 1)[1].split("**Six weeks**", 1)[0]
    scheduled = {int(n) for n in re.findall(r"exercise (\d)", week)}
    assert scheduled == {1, 2, 3, 4, 5, 6}, f"the one-week schedule has exercises {sorted(scheduled)}"


def test_instructor_guide_states_the_measured_page_length() -> None:
    text = (BOOK / "instructor-guide.md").read_text(encoding="utf-8")
    claim = re.search(r"about ([\d,]+) to ([\d,]+) words", text)
    assert claim, "the instructor guide states no page length"
    low, high = (int(x.replace(",", "")) for x in claim.groups())
    counts = {c.name: prose_words((c / "index.md").read_text(encoding="utf-8")) for c in CHAPTERS}
    measured = (round(min(counts.values()), -2), round(max(counts.values()), -2))
    assert (low, high) == measured, f"guide says {low}-{high} words; pages measure {counts}"


# ------------------------------------------------------------------ decisions of issue 12


def test_service_profit_chain_has_the_same_six_links_in_text_and_self_check() -> None:
    text = (BOOK / "05-hr-and-cmo" / "index.md").read_text(encoding="utf-8")
    section = text.split("## The evidence: the service-profit chain", 1)[1]
    links = [normalise(m) for m in re.findall(r"^\d\. \*\*([^*]+)\*\*", section, re.MULTILINE)]
    items = [normalise(i) for i in load_bank(BOOK / "05-hr-and-cmo" / "questions.yml")["ch05-chain-order"]["items"]]
    assert len(links) == 6
    assert links == items


def test_raci_text_names_the_four_merge_conflicts() -> None:
    text = (BOOK / "04-cmo-and-markedssjef" / "index.md").read_text(encoding="utf-8")
    section = text.split("## One person, both roles", 1)[1].split("\n## ", 1)[0]
    kinds_named = re.findall(r"^- \*\*([^*]+?)\.\*\*", section, re.MULTILINE)
    assert kinds_named == ["Two As collapse", "A and C", "R and C", "R and A"]


OWNED_PROSE = [*sorted(BOOK.glob("0[1-6]-*/index.md")), *sorted(BOOK.glob("0[1-6]-*/questions.yml")),
               BOOK / "intro.md", BOOK / "glossary.md", BOOK / "instructor-guide.md", BOOK / "references.bib"]
# The one allowed exception is a quoted Dutch term, written as the source writes it.
SPELLINGS = {r"\be-mail\b(?! marketeer\*)": "email", r"\bsecond ?hand\b": "second-hand",
             r"\be-commerce\b": "ecommerce", r"\bstartups?\b": "start-up", r"\bCollins's\b": "Collins'"}


@pytest.mark.parametrize("path", OWNED_PROSE, ids=[str(p.relative_to(BOOK)) for p in OWNED_PROSE])
def test_house_spellings(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    wrong = [(m.group(0), want) for pattern, want in SPELLINGS.items()
             for m in re.finditer(pattern, text, re.IGNORECASE)]
    assert not wrong, f"{path.relative_to(REPO_ROOT)}: use the house spelling: {wrong}"


@pytest.mark.parametrize("page", ["03-one-marketing-team/index.md", "06-capstone/index.md", "glossary.md"])
def test_crepin_is_not_read_as_making_the_specialism_the_base(page: str) -> None:
    text = (BOOK / page).read_text(encoding="utf-8")
    assert "no longer a specialisation" in text
    assert not re.search(r"solid specialism|specialism as the \*base\*|the T that Crépin asks for", text)


def test_no_bib_entry_lists_a_person_called_others() -> None:
    """``and others`` in a BibTeX author field is printed literally by the book's citation style."""
    text = (BOOK / "references.bib").read_text(encoding="utf-8")
    authors = re.findall(r"^\s*author\s*=\s*\{(.*)\},?\s*$", text, re.MULTILINE)
    assert authors, "no author fields found"
    assert not [a for a in authors if re.search(r"\band\s+others\b", a)], "use a braced name such as {{X et al.}}"

