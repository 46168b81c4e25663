"""The checking rules of the self-checks, in pure Python (the JavaScript mirrors them exactly).

A question spec is *sealed* into a public key (format 2) that holds no answer, no feedback and no
explanation in plain text. Everything secret sits in AES-GCM *boxes*, each under a key derived
with PBKDF2-HMAC-SHA256 (``ITERATIONS`` rounds, deliberately slow) from the *material* that a
learner's answer produces:

- single: ``o:<i>`` for option ``i`` -> its verdict, feedback and (correct option) the explanation;
- multiple: the per-option verdicts and feedback sit in one box under the question key ``q``
  (the page can tell "2 of 3 correct", so they are one derivation away by design); the exact
  correct set ``m:<i>,<j>`` unlocks the explanation;
- numeric: the grid step ``g = tol / 5``; ``F = floor(v / g)`` and the coarse cell
  ``C = floor(F / COARSE)``; ``n:<C>`` unlocks, for the answer's coarse cell(s), the accepted range
  of ``F`` (and the explanation), and for the ``NEAR`` cells on each side, "too low" / "too high";
  further away there is no box and the answer is just not right;
- text: ``t:<normalised text>`` for every accepted answer and anticipated wrong answer;
- ordering: the correct position of every item under the question key ``q``; the correct order
  ``p:<d0>,<d1>,...`` unlocks the explanation;
- "Show answer": the answer under ``r`` derived with ``REVEAL_ITERATIONS`` rounds. The page must
  be able to show the answer, so running the page's own logic recovers it at that cost.

Each box's tag (how the page finds it) and its AES key are SHA-256 of the derived bits with a
prefix; the IV is an HMAC of the AES key. Every key seals one message, and the salt comes from the
question's id and content, so the same spec always gives byte-identical output.
``check(key, response)`` uses only the key, exactly as the browser does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = 2
ITERATIONS = 30_000
"""PBKDF2 rounds per check: 7.7 ms with hashlib on one core of the project's CI machine, which
leaves room for a phone-class CPU several times slower under the 100 ms target."""
REVEAL_ITERATIONS = 120_000
"""Rounds for "Show answer": one click, so it may be four times slower."""
TAG_CHARS = 16
GRID_DIVISIONS = 5
COARSE = 64
NEAR = 3
MAX_CELL = 1e15
DEFAULT_MAX_TRIES = 3
SALT_PREFIX = "selfcheck2\x1f"

_WHITESPACE = re.compile("[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN = re.compile(f"^({_NUMBER})$")
_FRACTION = re.compile(rf"^({_NUMBER}) ?/ ?({_NUMBER})$")


def normalise_text(text: str) -> str:
    """NFKC, trimmed, lower-case, runs of white space collapsed to one space."""
    text = unicodedata.normalize("NFKC", text)
    return _WHITESPACE.sub(" ", text).strip(" ").lower()


@dataclass(frozen=True)
class ParsedNumber:
    """A learner's number: ``value`` or ``None`` with ``problem`` saying why not."""

    value: float | None
    problem: str | None = None


def parse_number(text: str, *, percent: bool = False, unit: str | None = None) -> ParsedNumber:
    """Parse ``0.75``, ``3/4``, ``-1.5e3`` and, when ``percent`` is allowed, ``75%`` (= 0.75).

    With ``unit: "%"`` a trailing ``%`` is the unit (``25%`` = 25); another unit typed after the
    number (``25 points`` for unit ``points``) is ignored; a ``%`` is refused otherwise.
    """
    s = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    s = _WHITESPACE.sub(" ", s).strip(" ")
    if not s:
        return ParsedNumber(None, "empty")
    if unit and unit != "%":
        u = normalise_text(unit)
        if u and s.lower().endswith(u) and len(s) > len(u):
            s = s[: -len(u)].rstrip(" ")
    scale = 1.0
    if s.endswith("%"):
        s = s[:-1].rstrip(" ")
        if percent:
            scale = 100.0
        elif unit != "%":
            return ParsedNumber(None, "percent")
    plain = _PLAIN.match(s)
    if plain:
        value = float(plain.group(1))
    else:
        frac = _FRACTION.match(s)
        if not frac:
            return ParsedNumber(None, "nan")
        num, den = float(frac.group(1)), float(frac.group(2))
        if den == 0:
            return ParsedNumber(None, "nan")
        value = num / den
    if scale != 1.0:
        value = value / scale
    if not math.isfinite(value):
        return ParsedNumber(None, "nan")
    return ParsedNumber(value)


def numeric_tolerance(answer: float, tolerance: dict[str, float] | None) -> float:
    """Half-width of the accepted interval: the larger of ``abs`` and ``rel * |answer|``."""
    tolerance = tolerance or {}
    tol = max(float(tolerance.get("abs", 0.0)), float(tolerance.get("rel", 0.0)) * abs(answer))
    if tol <= 0:
        tol = max(abs(answer) * 1e-9, 1e-12)
    return tol


def numeric_grid(answer: float, tolerance: dict[str, float] | None) -> tuple[float, int, int]:
    """The grid step and the first and last accepted cell: cells whose centre is within the
    tolerance of the answer (so the edges are exact to a tenth of the tolerance)."""
    tol = numeric_tolerance(answer, tolerance)
    step = tol / GRID_DIVISIONS
    lo, hi = math.floor((answer - tol) / step) - 1, math.floor((answer + tol) / step) + 1
    cells = [c for c in range(lo, hi + 1) if abs((c + 0.5) * step - answer) <= tol]
    if not cells:  # a tolerance so small that no centre lies within it: the answer's own cell
        cells = [math.floor(answer / step)]
    return step, cells[0], cells[-1]


def numeric_checkable(answer: float, tolerance: dict[str, float] | None) -> bool:
    """Whether the grid of ``answer`` at its tolerance stays within exact float arithmetic."""
    tol = numeric_tolerance(answer, tolerance)
    step = tol / GRID_DIVISIONS
    return math.isfinite(step) and step > 0 and (abs(answer) + tol) / step + (NEAR + 2) * COARSE < MAX_CELL


def content_hash(spec: dict[str, Any]) -> str:
    """A short hash of the whole spec: a changed question gets a new one (and fresh progress)."""
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def salt_for(qid: str, version: str) -> str:
    """The deterministic salt of a question: derived from its id and content hash."""
    return hashlib.sha256(f"selfcheck\x1f{qid}\x1f{version}".encode()).hexdigest()[:16]


def question_salt(spec: dict[str, Any]) -> str:
    """The salt of a validated spec (cheap: no key derivation)."""
    return salt_for(spec["id"], content_hash(spec))


def shown_order(n: int, salt: str) -> list[int]:
    """Deterministic shuffle of ``range(n)`` for ordering questions, never the identity."""
    order = list(range(n))
    rng = random.Random(salt)
    for _ in range(20):
        rng.shuffle(order)
        if order != sorted(order):
            break
    if n > 1 and order == sorted(order):
        order = order[1:] + order[:1]
    return order


def option_order(n: int, salt: str) -> list[int]:
    """Deterministic shuffle of the ``n`` options of a choice question: the page shows option
    ``option_order[i]`` of the spec at position ``i``, and every index in the key and in a
    response is a shown position. Authors tend to write the right option first; the page must not
    show it there (the identity order is allowed, unlike :func:`shown_order`)."""
    order = list(range(n))
    random.Random(f"options\x1f{salt}").shuffle(order)
    return order


def format_number(value: float) -> str:
    """Shortest text of a float that reads back the same (``0.254``, ``12``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


# --- sealing -----------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def derive(salt: str, material: str, iterations: int = ITERATIONS) -> bytes:
    """PBKDF2-HMAC-SHA256 of ``material`` (UTF-8) with the question's salt: 32 bytes."""
    return hashlib.pbkdf2_hmac("sha256", material.encode("utf-8"),
                               (SALT_PREFIX + salt).encode("utf-8"), iterations)


def tag_of(bits: bytes) -> str:
    """How the page finds the box of a derivation (reveals nothing about the material)."""
    return hashlib.sha256(b"tag" + bits).hexdigest()[:TAG_CHARS]


def _aes_key(bits: bytes) -> bytes:
    return hashlib.sha256(b"key" + bits).digest()


def seal_box(bits: bytes, payload: Any) -> str:
    """AES-GCM of the JSON payload under a key from ``bits``; the IV is an HMAC of that key
    (deterministic, and safe because every key seals exactly one message)."""
    key = _aes_key(bits)
    iv = hmac.new(key, b"iv", hashlib.sha256).digest()[:12]
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return base64.b64encode(iv + AESGCM(key).encrypt(iv, data, None)).decode()


def open_box(bits: bytes, box: str | None) -> Any:
    """Inverse of :func:`seal_box`; ``None`` when there is no box or it does not open."""
    if not box:
        return None
    try:
        raw = base64.b64decode(box)
        return json.loads(AESGCM(_aes_key(bits)).decrypt(raw[:12], raw[12:], None))
    except Exception:  # noqa: BLE001 - a tampered or foreign box is simply not opened
        return None


class _Sealer:
    def __init__(self, salt: str) -> None:
        self.salt = salt
        self.boxes: dict[str, str] = {}

    def add(self, material: str, payload: dict[str, Any]) -> None:
        bits = derive(self.salt, material)
        self.boxes[tag_of(bits)] = seal_box(bits, _clean(payload))

    def single(self, material: str, payload: dict[str, Any], iterations: int = ITERATIONS) -> str:
        return seal_box(derive(self.salt, material, iterations), _clean(payload))


def _clean(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


def compile_key(spec: dict[str, Any], texts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The public key of a validated spec: boxes, never plain answers.

    ``texts`` holds the feedback and explanation in the form the page shows them (see
    :func:`course_utils.selfcheck.render.sealed_texts`); without it the plain strings are sealed.
    """
    canonical = json.dumps([spec, texts], sort_keys=True, ensure_ascii=False)
    return json.loads(_compile_key(canonical))


@lru_cache(maxsize=512)
def _compile_key(canonical: str) -> str:
    spec, texts = json.loads(canonical)
    return json.dumps(_compile(spec, texts or _plain_texts(spec)), sort_keys=True)


def _plain_texts(spec: dict[str, Any]) -> dict[str, Any]:
    return {"feedback": dict(spec.get("feedback") or {}),
            "options": [o.get("feedback") for o in spec.get("options", [])],
            "wrong": [w["feedback"] for w in spec.get("wrong_answers", [])],
            "explanation": spec.get("explanation"), "hints": list(spec.get("hints", []))}


def _compile(spec: dict[str, Any], texts: dict[str, Any]) -> dict[str, Any]:
    qid, qtype = spec["id"], spec["type"]
    version = content_hash(spec)
    salt = salt_for(qid, version)
    fb, expl = texts.get("feedback") or {}, texts.get("explanation")
    key: dict[str, Any] = {"f": FORMAT, "id": qid, "type": qtype, "v": version, "salt": salt,
                           "max_tries": int(spec.get("max_tries", DEFAULT_MAX_TRIES)),
                           "it": ITERATIONS, "rit": REVEAL_ITERATIONS, "hints": texts.get("hints") or []}
    if fb.get("incorrect") is not None:
        key["fi"] = fb["incorrect"]
    sealer = _Sealer(salt)
    if qtype in ("single", "multiple"):
        order = option_order(len(spec["options"]), salt)  # every index below is a shown position
        options = [spec["options"][j] for j in order]
        feedback = [texts["options"][j] for j in order]
        good = [bool(o.get("correct")) for o in options]
        key["n"] = len(options)
        if qtype == "single":
            for i, ok in enumerate(good):
                sealer.add(f"o:{i}", {"s": "correct" if ok else "incorrect",
                                      "f": feedback[i], "x": expl if ok else None})
        else:
            key["q"] = sealer.single("q", {"c": [int(g) for g in good], "f": feedback})
            sealer.add("m:" + ",".join(str(i) for i, g in enumerate(good) if g),
                       {"s": "correct", "x": expl})
        reveal: Any = [i for i, g in enumerate(good) if g]
    elif qtype == "numeric":
        answer = float(spec["answer"])
        step, lo, hi = numeric_grid(answer, spec.get("tolerance"))
        key.update(step=repr(step), co=COARSE, percent=bool(spec.get("percent", False)),
                   unit=spec.get("unit") or None)
        c_lo, c_hi = lo // COARSE, hi // COARSE
        for c in range(c_lo - NEAR, c_hi + NEAR + 1):
            if c < c_lo:
                sealer.add(f"n:{c}", {"d": "low", "f": fb.get("too_low")})
            elif c > c_hi:
                sealer.add(f"n:{c}", {"d": "high", "f": fb.get("too_high")})
            else:
                sealer.add(f"n:{c}", {"a": [lo, hi], "f": fb.get("correct"), "x": expl,
                                      "l": fb.get("too_low"), "h": fb.get("too_high")})
        reveal = (format_number(round(answer * 100, 10)) + "%" if spec.get("percent")
                  else format_number(answer))
    elif qtype == "text":
        for answer in sorted({normalise_text(a) for a in spec["answers"]}):
            sealer.add(f"t:{answer}", {"s": "correct", "f": fb.get("correct"), "x": expl})
        for i, wrong in enumerate(spec.get("wrong_answers", [])):
            sealer.add(f"t:{normalise_text(wrong['answer'])}",
                       {"s": "incorrect", "w": i, "f": texts["wrong"][i]})
        reveal = spec["answers"][0]
    else:
        order = shown_order(len(spec["items"]), salt)
        where_shown = {item: pos for pos, item in enumerate(order)}
        correct = [where_shown[p] for p in range(len(order))]
        key["n"] = len(order)
        key["q"] = sealer.single("q", {"p": correct})
        sealer.add("p:" + ",".join(map(str, correct)), {"s": "correct", "f": fb.get("correct"), "x": expl})
        reveal = correct
    key["r"] = sealer.single("r", {"a": reveal, "x": expl}, REVEAL_ITERATIONS)
    key["b"] = dict(sorted(sealer.boxes.items()))
    return key


# --- checking ----------------------------------------------------------------------------------

@dataclass
class Result:
    """Outcome of one check. ``status``: correct | incorrect | partial | invalid.

    ``texts`` holds what the check unlocked: ``feedback`` (the text for this answer),
    ``options`` (per chosen option, multiple choice) and ``explanation`` (when correct).
    """

    status: str
    detail: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, Any] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        """True when the response is fully correct."""
        return self.status == "correct"

    def as_dict(self) -> dict[str, Any]:
        """Plain dict, the same shape as the JavaScript ``check`` returns."""
        return {"status": self.status, "detail": dict(self.detail)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unlock(key: dict[str, Any], material: str) -> Any:
    bits = derive(key["salt"], material, key["it"])
    return open_box(bits, key["b"].get(tag_of(bits)))


def _open(key: dict[str, Any], name: str, iterations: int) -> Any:
    return open_box(derive(key["salt"], name, iterations), key.get(name))


def reveal(key: dict[str, Any]) -> Any:
    """What "Show answer" shows: ``{"a": answer, "x": explanation}`` (the page's own logic)."""
    return _open(key, "r", key["rit"]) or {}


def _check_choices(key: dict[str, Any], response: Any) -> Result:
    n = key["n"]
    if _is_int(response):
        response = [response]
    if not isinstance(response, (list, tuple)) or not all(_is_int(i) for i in response):
        return Result("invalid", {"problem": "choose"})
    chosen = sorted(set(response))
    if not chosen or any(not (0 <= i < n) for i in chosen):
        return Result("invalid", {"problem": "choose"})
    if key["type"] == "single":
        if len(chosen) != 1:
            return Result("invalid", {"problem": "choose"})
        box = _unlock(key, f"o:{chosen[0]}") or {}
        status = "correct" if box.get("s") == "correct" else "incorrect"
        return Result(status, {"chosen": chosen}, {"feedback": box.get("f"), "explanation": box.get("x")})
    box = _open(key, "q", key["it"]) or {"c": [0] * n, "f": [None] * n}
    good = [bool(c) for c in box["c"]]
    right = sum(1 for i in chosen if good[i])
    wrong = len(chosen) - right
    total = sum(good)
    status = "correct" if right == total and wrong == 0 else ("partial" if right else "incorrect")
    texts: dict[str, Any] = {"options": {i: box["f"][i] for i in chosen if box["f"][i]},
                             "marks": {i: good[i] for i in chosen}}
    if status == "correct":
        texts["explanation"] = (_unlock(key, "m:" + ",".join(map(str, chosen))) or {}).get("x")
    return Result(status, {"chosen": chosen, "right": right, "wrong": wrong, "total": total}, texts)


def _check_numeric(key: dict[str, Any], response: Any) -> Result:
    parsed = parse_number(str(response if response is not None else ""),
                          percent=key["percent"], unit=key["unit"])
    if parsed.value is None:
        return Result("invalid", {"problem": parsed.problem})
    value, step = parsed.value, float(key["step"])
    scaled = value / step
    far = Result("incorrect", {"value": value, "direction": None}, {"feedback": key.get("fi")})
    if not abs(scaled) < MAX_CELL:
        return far
    cell = math.floor(scaled)
    box = _unlock(key, f"n:{cell // key['co']}")
    if not box:
        return far
    if "a" in box:
        lo, hi = box["a"]
        if lo <= cell <= hi:
            return Result("correct", {"value": value},
                          {"feedback": box.get("f"), "explanation": box.get("x")})
        direction = "low" if cell < lo else "high"
        text = box.get("l" if direction == "low" else "h")
    else:
        direction, text = box["d"], box.get("f")
    return Result("incorrect", {"value": value, "direction": direction}, {"feedback": text})


def _check_text(key: dict[str, Any], response: Any) -> Result:
    text = normalise_text(str(response or ""))
    if not text:
        return Result("invalid", {"problem": "empty"})
    box = _unlock(key, f"t:{text}") or {}
    if box.get("s") == "correct":
        return Result("correct", {}, {"feedback": box.get("f"), "explanation": box.get("x")})
    if "w" in box:
        return Result("incorrect", {"wrong_answer": box["w"]}, {"feedback": box.get("f")})
    return Result("incorrect", {}, {"feedback": key.get("fi")})


def _check_ordering(key: dict[str, Any], response: Any) -> Result:
    n = key["n"]
    order = list(response) if isinstance(response, (list, tuple)) else []
    if not all(_is_int(d) for d in order) or sorted(order) != list(range(n)):
        return Result("invalid", {"problem": "order"})
    correct = (_open(key, "q", key["it"]) or {}).get("p") or []
    placed = sum(1 for p, d in enumerate(order) if p < len(correct) and correct[p] == d)
    if placed == n:
        box = _unlock(key, "p:" + ",".join(map(str, order))) or {}
        return Result("correct", {"placed": placed, "total": n},
                      {"feedback": box.get("f"), "explanation": box.get("x")})
    return Result("incorrect", {"placed": placed, "total": n}, {"feedback": key.get("fi")})


_CHECKERS = {"single": _check_choices, "multiple": _check_choices, "numeric": _check_numeric,
             "text": _check_text, "ordering": _check_ordering}


def check(key: dict[str, Any], response: Any) -> Result:
    """Check a response against a public key, by the same rules as the browser.

    ``response``: an option's shown position (single; see :func:`option_order`), a list of them
    (multiple), the typed
    text (numeric, text) or the shown indices of the items in the learner's order (ordering).
    """
    return _CHECKERS[key["type"]](key, response)
