"""What it costs to pull the answers out of the book's self-checks with the page source alone.

A script, not a test. It collects every self-check of the book (the chapter banks,
``book/selfcheck-examples.yml``, the inline questions of the pages and the questions saved in the
lab notebooks' outputs), takes only what the page carries (the sealed key), and runs the attacks
an attacker would, with the shipped sealing code (``course_utils.selfcheck.rules``: PBKDF2-SHA256 in
``hashlib``, the same derivation as the browser's WebCrypto, uncached):

- single choice: try each option (``o:<i>``) until the box says "correct";
- multiple choice: open the per-option verdict box (``q``, one derivation, by design: the page
  tells "2 of 3 correct") and, for comparison, try every set of options (``m:<set>``);
- numeric: walk the coarse grid cells (``n:<cell>``) outwards from 0 over a plausible range (0..1
  for a share, else the answer's decade) until a cell opens with the accepted range;
- text: the page's own phrases (every 1- to 3-word run of the page's text) in page order;
- ordering: open the per-item box (``q``, one derivation, by design: the page tells "3 of 5 in the
  right place") and, for comparison, try permutations (``p:<order>``);
- "Show answer": the page's own logic (``r``, one slower derivation). It has to work, so it stays
  recoverable: that is by design.

It prints one row per question type: the attempts needed (median and largest over the book's
questions), the time of one attempt, the median time per question and the total for all of them,
beside the figures of format 1 quoted in issue 9 (before). One core, no parallelism: an attacker
with N cores divides the times by N.

    .venv/bin/python benchmarks/selfcheck_attack.py [--browser] [--cap 200]

``--browser`` also times one derivation with WebCrypto in headless Debian chromium.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import statistics
import time
from pathlib import Path
from typing import Any

from course_utils.lms.collect import page_questions
from course_utils.selfcheck import rules
from course_utils.selfcheck.render import MARKER, render_html
from course_utils.selfcheck.rules import normalise_text, open_box, tag_of
from course_utils.selfcheck.spec import load_bank

REPO = Path(__file__).resolve().parents[1]
KEY = re.compile(r'<script type="application/json" class="sc-data">(.*?)</script>', re.S)
derive = rules.derive.__wrapped__  # the shipped derivation, without its build-time cache

BEFORE = {  # format 1, as measured in issue 9 (page source + a 60-line script, all 63 questions)
    "single": "0 (feedback 'Right/Yes/Correct' in clear)",
    "multiple": "~1 s for all 63 (XOR keystream)",
    "numeric": "7 of 19 in clear; grid 20,575 SHA-256 in 59 ms",
    "text": "~0.9 s (page phrases, SHA-256)",
    "ordering": "~1 s for all 63 (XOR keystream)",
    "show answer": "~1 s for all 63 (XOR keystream from the salt)",
}


def collect() -> list[tuple[str, dict[str, Any], str]]:
    """(where, sealed key, the page's text) of every self-check of the book."""
    found: list[tuple[str, dict[str, Any], str]] = []
    pages = {
        p: p.read_text(encoding="utf-8")
        for p in sorted((REPO / "book").rglob("*.md"))
        if "_build" not in p.parts
    }
    for page, text in pages.items():
        for spec, _where, _bank in page_questions(page):  # every fence form, banks resolved
            found.append((f"{page.relative_to(REPO)}#{spec['id']}", _key(render_html(spec)), text))
    shown = {w.split("#")[1] for w, _, _ in found}
    for bank in sorted((REPO / "book").rglob("*.yml")):
        if "_build" in bank.parts:
            continue
        chapter = "\n".join(t for p, t in pages.items() if p.parent == bank.parent)
        for qid, spec in load_bank(bank).items():
            if qid not in shown:
                found.append((f"{bank.relative_to(REPO)}#{qid}", _key(render_html(spec)), chapter))
    for notebook in sorted((REPO / "book").rglob("*.ipynb")):
        if "_build" in notebook.parts or ".ipynb_checkpoints" in notebook.parts:
            continue
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells)
        seen = set()
        for cell in cells:
            for output in cell.get("outputs", []):
                html = output.get("data", {}).get("text/html")
                html = "".join(html) if isinstance(html, list) else html
                if html and MARKER in html:
                    key = _key(html)
                    if key["id"] not in seen:
                        seen.add(key["id"])
                        found.append((f"{notebook.relative_to(REPO)}#{key['id']}", key, text))
    return found


def _key(html: str) -> dict[str, Any]:
    raw = KEY.search(html).group(1)
    return json.loads(raw)


class Attacker:
    """Counts and times derivations: the only costly step of every attack."""

    def __init__(self, key: dict[str, Any]) -> None:
        self.key = key
        self.attempts = 0  # attempts the attack needs (some counted, not all run: see ``run``)
        self.run = 0  # derivations actually run and timed
        self.seconds = 0.0

    def _derive(self, material: str, iterations: int) -> bytes:
        start = (
            time.thread_time()
        )  # CPU time: what the attack costs, whatever else the machine runs
        bits = derive(self.key["salt"], material, iterations)
        self.seconds += time.thread_time() - start
        self.run += 1
        return bits

    def unlock(self, material: str) -> Any:
        self.attempts += 1
        bits = self._derive(material, self.key["it"])
        return open_box(bits, self.key["b"].get(tag_of(bits)))

    def own(self, name: str, iterations: int) -> Any:
        self.attempts += 1
        return open_box(self._derive(name, iterations), self.key.get(name))

    def skip(self, count: int) -> None:
        """Attempts that would fail, counted but not run (their cost is that of the others)."""
        self.attempts += count


def attack_single(key: dict[str, Any]) -> Attacker:
    a = Attacker(key)
    for i in range(key["n"]):
        if (a.unlock(f"o:{i}") or {}).get("s") == "correct":
            return a
    raise AssertionError(f"{key['id']}: no option opened as correct")


def attack_multiple(key: dict[str, Any], by_sets: bool, cap: int) -> Attacker:
    a = Attacker(key)
    verdicts = a.own("q", key["it"])["c"]
    if not by_sets:
        return a
    a = Attacker(key)
    right = tuple(i for i, c in enumerate(verdicts) if c)
    sets = [
        c for size in range(1, key["n"] + 1) for c in itertools.combinations(range(key["n"]), size)
    ]
    rank = sets.index(right)
    for chosen in sets[: min(rank, cap)]:
        assert (a.unlock("m:" + ",".join(map(str, chosen))) or {}).get("s") != "correct"
    a.skip(rank - min(rank, cap))
    assert (a.unlock("m:" + ",".join(map(str, right))) or {}).get("s") == "correct"
    return a


def plausible_range(key: dict[str, Any], answer: float) -> tuple[float, float]:
    """What an attacker would assume without the answer: a share is 0..1, a percentage 0..100,
    otherwise the decade of the number (0..10, 0..100, ...; negative: mirrored)."""
    if key["percent"]:
        return 0.0, 1.0
    if (key.get("unit") or "").strip() == "%":
        return 0.0, 100.0
    top = 10.0 ** max(1, math.ceil(math.log10(abs(answer) + 1e-12)))
    return (0.0, top) if answer >= 0 else (-top, 0.0)


def _coarse(key: dict[str, Any], value: float) -> int:
    return math.floor(value / float(key["step"])) // key["co"]


def attack_numeric(key: dict[str, Any], answer: float, cap: int) -> tuple[Attacker, int]:
    """The cheaper of two walks over the plausible range: every coarse grid cell from 0 outwards,
    or round numbers (whole numbers, then tenths, hundredths, thousandths). The first cell that
    opens with the accepted range gives the answer. Returns the attacker and the cells of the range."""
    lo, hi = plausible_range(key, answer)
    tol = float(key["step"]) * rules.GRID_DIVISIONS
    targets = set(range(_coarse(key, answer - tol), _coarse(key, answer + tol) + 1))
    first, last = _coarse(key, lo), _coarse(key, hi)
    walk = (lambda i: first + i) if lo >= 0 else (lambda i: last - i)
    grid_rank = min(abs(t - (first if lo >= 0 else last)) for t in targets)
    cells: dict[int, None] = {}
    for digits in range(4):
        scale = 10**digits
        for k in range(int(lo * scale), int(hi * scale) + 1):
            cells.setdefault(_coarse(key, k / scale), None)
            if targets & cells.keys() or len(cells) > 10**6:
                break
        if targets & cells.keys() or len(cells) > 10**6:
            break
    round_cells = list(cells)
    hits = [i for i, c in enumerate(round_cells) if c in targets]
    round_rank = hits[0] if hits else math.inf
    a = Attacker(key)
    if grid_rank <= round_rank:
        order, rank = [walk(i) for i in range(min(grid_rank, cap))], grid_rank
        target = walk(grid_rank)
    else:
        order, rank = round_cells[: min(round_rank, cap)], int(round_rank)
        target = round_cells[rank]
    for cell in order:
        assert "a" not in (a.unlock(f"n:{cell}") or {}), (key["id"], cell)
    a.skip(rank - len(order))
    assert "a" in (a.unlock(f"n:{target}") or {}), key["id"]
    return a, last - first + 1


def phrases(text: str, cap: int) -> list[str]:
    """Every run of one to three words of the page, normalised, in page order, no repeats."""
    words = re.findall(r"[\w][\w'’-]*", re.sub(r"[`*_#>|\[\](){}]", " ", text))
    seen: dict[str, None] = {}
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            seen.setdefault(normalise_text(" ".join(words[i : i + n])), None)
            if len(seen) >= cap:
                return list(seen)
    return list(seen)


def attack_text(key: dict[str, Any], page: str, cap: int) -> tuple[Attacker | None, int]:
    """The page's phrases in order until one is accepted. Runs ``cap`` of them; beyond that, the
    rank of the first accepted answer shown by "Show answer" is counted (an upper bound)."""
    a = Attacker(key)
    candidates = phrases(page, 10**6)
    for phrase in candidates[:cap]:
        if (a.unlock("t:" + phrase) or {}).get("s") == "correct":
            return a, len(candidates)
    known = normalise_text(str(rules.reveal(key)["a"]))
    if known not in candidates:
        return None, len(candidates)
    a.skip(candidates.index(known) - cap)
    assert (a.unlock("t:" + known) or {}).get("s") == "correct"
    return a, len(candidates)


def attack_ordering(key: dict[str, Any], by_permutations: bool, cap: int) -> Attacker:
    a = Attacker(key)
    correct = tuple(a.own("q", key["it"])["p"])
    if not by_permutations:
        return a
    a = Attacker(key)
    rank = _permutation_rank(correct)
    for order in itertools.islice(itertools.permutations(range(key["n"])), min(rank, cap)):
        assert (a.unlock("p:" + ",".join(map(str, order))) or {}).get("s") != "correct"
    a.skip(rank - min(rank, cap))
    assert (a.unlock("p:" + ",".join(map(str, correct))) or {}).get("s") == "correct"
    return a


def _permutation_rank(order: tuple[int, ...]) -> int:
    """Position of ``order`` in lexicographic order (what itertools.permutations tries first)."""
    rank, rest = 0, sorted(order)
    for value in order:
        i = rest.index(value)
        rank += i * math.factorial(len(rest) - 1)
        rest.pop(i)
    return rank


def attack_reveal(key: dict[str, Any]) -> Attacker:
    a = Attacker(key)
    assert "a" in a.own("r", key["rit"])
    return a


def browser_derivation_ms(iterations: int) -> float:
    """One PBKDF2 derivation with WebCrypto in headless chromium (median of 9), on a page served
    from 127.0.0.1 (WebCrypto needs a secure context)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from course_utils.site.chromium import CHROMIUM, CHROMIUM_ARGS
    from course_utils.site.serve import serve

    folder = tempfile.TemporaryDirectory(prefix="selfcheck-attack-")
    Path(folder.name, "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    base, server = serve(Path(folder.name))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            page.goto(base + "index.html")
            times = page.evaluate(
                """async it => {
              const s = crypto.subtle, te = new TextEncoder(), out = [];
              for (let i = 0; i < 9; i++) {
                const t = performance.now();
                const k = await s.importKey('raw', te.encode('o:' + i), 'PBKDF2', false, ['deriveBits']);
                await s.deriveBits({name: 'PBKDF2', hash: 'SHA-256', salt: te.encode('x'), iterations: it}, k, 256);
                out.push(performance.now() - t);
              }
              return out;
            }""",
                iterations,
            )
            browser.close()
    finally:
        server.shutdown()
        folder.cleanup()
    return statistics.median(times)


def _row(kind: str, how: str, runs: list[Attacker], extra: str = "") -> list[str]:
    attempts = [r.attempts for r in runs]
    per = sum(r.seconds for r in runs) / max(1, sum(r.run for r in runs))
    totals = [n * per for n in attempts]
    row = [
        kind,
        how,
        str(len(runs)),
        f"{statistics.median(attempts):g} / {max(attempts):,}",
        f"{per * 1000:.1f} ms",
        _duration(statistics.median(totals)),
        _duration(sum(totals)) + extra,
        BEFORE.get(kind, ""),
    ]
    print("  " + " | ".join(row), flush=True)
    return row


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--browser", action="store_true", help="also time WebCrypto in chromium")
    parser.add_argument(
        "--cap",
        type=int,
        default=200,
        help="derivations run per question and attack (more are counted at the measured cost)",
    )
    args = parser.parse_args()

    questions = collect()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    pages: dict[str, str] = {}
    for _, key, page in questions:
        by_kind.setdefault(key["type"], []).append(key)
        pages[key["id"]] = page
    print(
        f"{len(questions)} self-checks: "
        + ", ".join(f"{k} {len(v)}" for k, v in sorted(by_kind.items())),
        flush=True,
    )
    rows = []
    rows.append(
        _row("single", "try each option", [attack_single(k) for k in by_kind.get("single", [])])
    )
    multiple = by_kind.get("multiple", [])
    rows.append(
        _row("multiple", "verdict box q", [attack_multiple(k, False, args.cap) for k in multiple])
    )
    rows.append(
        _row("multiple", "every set", [attack_multiple(k, True, args.cap) for k in multiple])
    )
    numeric, whole = [], []
    for key in by_kind.get("numeric", []):
        answer = rules.parse_number(
            str(rules.reveal(key)["a"]), percent=key["percent"], unit=key["unit"]
        ).value
        attacker, cells = attack_numeric(key, answer, args.cap)
        numeric.append(attacker)
        whole.append(cells)
    rows.append(
        _row(
            "numeric",
            "grid / round numbers",
            numeric,
            f" (whole range: median {statistics.median(whole):,.0f} cells)",
        )
    )
    texts, missed, sizes = [], 0, []
    for key in by_kind.get("text", []):
        attacker, size = attack_text(key, pages[key["id"]], args.cap)
        sizes.append(size)
        if attacker is None:
            missed += 1
        else:
            texts.append(attacker)
    if texts:
        rows.append(
            _row(
                "text",
                "page phrases",
                texts,
                f" (not in the page: {missed}; the page has {statistics.median(sizes):,.0f} phrases)",
            )
        )
    ordering = by_kind.get("ordering", [])
    rows.append(
        _row("ordering", "position box q", [attack_ordering(k, False, args.cap) for k in ordering])
    )
    rows.append(
        _row("ordering", "permutations", [attack_ordering(k, True, args.cap) for k in ordering])
    )
    rows.append(
        _row("show answer", "the page's logic", [attack_reveal(k) for _, k, _ in questions])
    )

    header = [
        "type",
        "attack",
        "questions",
        "attempts (median / max)",
        "per attempt",
        "per question (median)",
        "all questions",
        "before (format 1, issue 9)",
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(
        f"\nPBKDF2 rounds: {rules.ITERATIONS:,} per check, {rules.REVEAL_ITERATIONS:,} for Show answer; "
        f"one core, Python hashlib, CPU time; at most {args.cap} derivations run per question and attack, "
        "the other attempts counted at the measured cost."
    )
    if args.browser:
        for it in (rules.ITERATIONS, rules.REVEAL_ITERATIONS):
            print(
                f"WebCrypto in headless chromium, one derivation of {it:,} rounds: "
                f"{browser_derivation_ms(it):.1f} ms",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
