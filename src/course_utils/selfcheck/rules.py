"""The checking rules of the self-checks, in pure Python (the JavaScript mirrors them exactly).

A question spec is *compiled* into a public key that holds no answer in plain text:

- choices: per option ``digest(salt, "o", i, "1"|"0")`` (is option ``i`` correct?);
- text: ``digest(salt, "t", normalise_text(answer))`` for every accepted answer, and
  ``digest(salt, "w", ...)`` for the anticipated wrong answers that carry feedback;
- ordering: per position ``p`` ``digest(salt, "p", p, d)`` where ``d`` is the index, in the
  shown (shuffled) order, of the item that belongs at ``p``;
- numeric: the tolerance ``tol`` gives a grid step ``g = tol / 5``; the key holds the digests of
  every grid cell whose centre lies within ``tol`` of the answer (so a value counts as correct
  when it is within the tolerance, give or take ``g / 2`` at the edges), and for each level
  ``k < 48`` the digest of the answer's cell on the coarser grid ``g * 2**k``. A wrong value is
  "too low" or "too high" from the side on which the first coarse cell that matches lies.

``check(key, response)`` uses only the key, exactly as the browser does; the unit tests and the
browser tests run the same table of cases through both. This stops casual peeking (reading the
page source), not a determined learner, who can brute-force the digests or decode the answer
that "show answer" reveals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

DIGEST_CHARS = 16
GRID_DIVISIONS = 5
LEVELS = 48
NEIGHBOURS = 3
MAX_CELL = 1e15
DEFAULT_MAX_TRIES = 3

_WHITESPACE = re.compile("[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN = re.compile(f"^({_NUMBER})$")
_FRACTION = re.compile(rf"^({_NUMBER}) ?/ ?({_NUMBER})$")


def digest(salt: str, *parts: object) -> str:
    """Short salted SHA-256 hex digest of the parts joined by the unit separator."""
    text = "\x1f".join([salt, *(str(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


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

    A trailing ``%`` when percentages are not allowed is read as the unit if ``unit`` is ``%``
    (``25.4%`` = 25.4) and refused otherwise.
    """
    s = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    s = _WHITESPACE.sub(" ", s).strip(" ")
    if not s:
        return ParsedNumber(None, "empty")
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


def grid_cell(value: float, step: float, level: int) -> str | None:
    """The index of ``value``'s cell on the grid ``step * 2**level`` as text (``None``: too far)."""
    scaled = value / (step * 2.0**level)
    if not abs(scaled) < MAX_CELL:
        return None
    return str(math.floor(scaled))


def content_hash(spec: dict[str, Any]) -> str:
    """A short hash of the whole spec: a changed question gets a new one (and fresh progress)."""
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def salt_for(qid: str, version: str) -> str:
    """The deterministic salt of a question: derived from its id and content hash."""
    return hashlib.sha256(f"selfcheck\x1f{qid}\x1f{version}".encode()).hexdigest()[:16]


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


def _keystream(salt: str, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{salt}\x1fk\x1f{counter}".encode()).digest()
        counter += 1
    return out[:length]


def seal(salt: str, payload: Any) -> str:
    """Obfuscate the "show answer" payload (XOR with a salt-derived keystream, base64)."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, _keystream(salt, len(data)), strict=True))).decode()


def unseal(salt: str, sealed: str) -> Any:
    """Inverse of :func:`seal`."""
    data = base64.b64decode(sealed)
    return json.loads(bytes(a ^ b for a, b in zip(data, _keystream(salt, len(data)), strict=True)))


def format_number(value: float) -> str:
    """Shortest text of a float that reads back the same (``0.254``, ``12``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def compile_key(spec: dict[str, Any]) -> dict[str, Any]:
    """The public checking key of a validated spec: digests, never plain answers."""
    qid, qtype = spec["id"], spec["type"]
    version = content_hash(spec)
    salt = salt_for(qid, version)
    key: dict[str, Any] = {"id": qid, "type": qtype, "v": version, "salt": salt,
                           "max_tries": int(spec.get("max_tries", DEFAULT_MAX_TRIES))}
    if qtype in ("single", "multiple"):
        options = spec["options"]
        key["options"] = [digest(salt, "o", i, "1" if o.get("correct") else "0")
                          for i, o in enumerate(options)]
        key["reveal"] = seal(salt, [i for i, o in enumerate(options) if o.get("correct")])
    elif qtype == "numeric":
        answer = float(spec["answer"])
        tol = numeric_tolerance(answer, spec.get("tolerance"))
        step = tol / GRID_DIVISIONS
        lo, hi = math.floor((answer - tol) / step) - 1, math.floor((answer + tol) / step) + 1
        accepted = sorted({digest(salt, "n0", c) for c in range(lo, hi + 1)
                           if abs((c + 0.5) * step - answer) <= tol})
        key.update(step=repr(step), percent=bool(spec.get("percent", False)),
                   unit=spec.get("unit") or None, accepted=accepted,
                   levels=[digest(salt, "n", k, grid_cell(answer, step, k)) for k in range(LEVELS)])
        shown = (format_number(round(answer * 100, 10)) + "%" if spec.get("percent")
                 else format_number(answer))
        key["reveal"] = seal(salt, shown)
    elif qtype == "text":
        key["accepted"] = sorted({digest(salt, "t", normalise_text(a)) for a in spec["answers"]})
        key["wrong"] = [digest(salt, "w", normalise_text(w["answer"]))
                        for w in spec.get("wrong_answers", [])]
        key["reveal"] = seal(salt, spec["answers"][0])
    elif qtype == "ordering":
        order = shown_order(len(spec["items"]), salt)
        where_shown = {item: pos for pos, item in enumerate(order)}
        key["positions"] = [digest(salt, "p", p, where_shown[p]) for p in range(len(order))]
        key["reveal"] = seal(salt, [where_shown[p] for p in range(len(order))])
    return key


@dataclass
class Result:
    """Outcome of one check. ``status``: correct | incorrect | partial | invalid."""

    status: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        """True when the response is fully correct."""
        return self.status == "correct"

    def as_dict(self) -> dict[str, Any]:
        """Plain dict, the same shape as the JavaScript ``check`` returns."""
        return {"status": self.status, "detail": dict(self.detail)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_choices(key: dict[str, Any], response: Any) -> Result:
    salt = key["salt"]
    good = [digest(salt, "o", i, "1") == h for i, h in enumerate(key["options"])]
    if _is_int(response):
        response = [response]
    if not isinstance(response, (list, tuple)) or not all(_is_int(i) for i in response):
        return Result("invalid", {"problem": "choose"})
    chosen = sorted(set(response))
    if not chosen or any(not (0 <= i < len(good)) for i in chosen):
        return Result("invalid", {"problem": "choose"})
    if key["type"] == "single":
        if len(chosen) != 1:
            return Result("invalid", {"problem": "choose"})
        return Result("correct" if good[chosen[0]] else "incorrect", {"chosen": chosen})
    right = sum(1 for i in chosen if good[i])
    wrong = len(chosen) - right
    total = sum(good)
    status = "correct" if right == total and wrong == 0 else ("partial" if right else "incorrect")
    return Result(status, {"chosen": chosen, "right": right, "wrong": wrong, "total": total})


def _check_numeric(key: dict[str, Any], response: Any) -> Result:
    parsed = parse_number(str(response if response is not None else ""),
                          percent=key["percent"], unit=key["unit"])
    if parsed.value is None:
        return Result("invalid", {"problem": parsed.problem})
    salt, step, value = key["salt"], float(key["step"]), parsed.value
    cell = grid_cell(value, step, 0)
    if cell is not None and digest(salt, "n0", cell) in key["accepted"]:
        return Result("correct", {"value": value})
    for level, wanted in enumerate(key["levels"]):
        cell = grid_cell(value, step, level)
        if cell is None:
            continue
        for shift in range(-NEIGHBOURS, NEIGHBOURS + 1):
            if digest(salt, "n", level, int(cell) + shift) == wanted:
                direction = "low" if shift > 0 else ("high" if shift < 0 else None)
                return Result("incorrect", {"value": value, "direction": direction})
    return Result("incorrect", {"value": value, "direction": None})


def _check_text(key: dict[str, Any], response: Any) -> Result:
    text = normalise_text(str(response or ""))
    if not text:
        return Result("invalid", {"problem": "empty"})
    if digest(key["salt"], "t", text) in key["accepted"]:
        return Result("correct")
    wrong = digest(key["salt"], "w", text)
    match = next((i for i, h in enumerate(key["wrong"]) if h == wrong), None)
    return Result("incorrect", {} if match is None else {"wrong_answer": match})


def _check_ordering(key: dict[str, Any], response: Any) -> Result:
    n = len(key["positions"])
    order = list(response) if isinstance(response, (list, tuple)) else []
    if not all(_is_int(d) for d in order) or sorted(order) != list(range(n)):
        return Result("invalid", {"problem": "order"})
    placed = sum(1 for p, d in enumerate(order) if digest(key["salt"], "p", p, d) == key["positions"][p])
    return Result("correct" if placed == n else "incorrect", {"placed": placed, "total": n})


_CHECKERS = {"single": _check_choices, "multiple": _check_choices, "numeric": _check_numeric,
             "text": _check_text, "ordering": _check_ordering}


def check(key: dict[str, Any], response: Any) -> Result:
    """Check a response against a public key, by the same rules as the browser.

    ``response``: an option index (single), a list of option indices (multiple), the typed
    text (numeric, text) or the shown indices of the items in the learner's order (ordering).
    """
    return _CHECKERS[key["type"]](key, response)
