"""Unit tests of the checking rules (the same table runs in the browser tests)."""

from __future__ import annotations

import random

import pytest

from course_utils.selfcheck import rules
from course_utils.selfcheck.spec import validate
from course_utils.selfcheck.widget import to_answer, to_response

from .cases import CASES, SPECS, case_id


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_case_table(case):
    name, answer, status, detail = case
    spec = validate(SPECS[name])
    result = rules.check(rules.compile_key(spec), to_response(spec, answer))
    assert result.status == status
    for key, value in detail.items():
        assert result.detail[key] == value, (key, result.detail)


@pytest.mark.parametrize("text,expected", [
    ("  T   Shaped\t", "t shaped"), ("\u00a0A\u2003b\n", "a b"), ("\uff34", "t"), ("", ""),
    ("ÅSE", "åse"),
])
def test_normalise_text(text, expected):
    assert rules.normalise_text(text) == expected


@pytest.mark.parametrize("text,percent,unit,value,problem", [
    ("0.75", False, None, 0.75, None),
    ("3/4", False, None, 0.75, None),
    ("75%", True, None, 0.75, None),
    ("75%", False, "%", 75.0, None),
    ("75%", False, None, None, "percent"),
    ("+.5", False, None, 0.5, None),
    ("1.", False, None, 1.0, None),
    ("\u22121", False, None, -1.0, None),
    ("1/0", False, None, None, "nan"),
    ("1 000", False, None, None, "nan"),
    ("0x10", False, None, None, "nan"),
    ("nan", False, None, None, "nan"),
    ("inf", False, None, None, "nan"),
    ("", False, None, None, "empty"),
])
def test_parse_number(text, percent, unit, value, problem):
    parsed = rules.parse_number(text, percent=percent, unit=unit)
    assert parsed.problem == problem
    if value is not None:
        assert parsed.value == pytest.approx(value)


@pytest.mark.parametrize("answer,tolerance", [(0.75, {"abs": 0.01}), (1200.0, {"rel": 0.05}),
                                              (-2.5, {"abs": 0.1}), (1e-4, {"rel": 0.1}),
                                              (3.0, None), (0.0, {"abs": 0.5})])
def test_numeric_tolerance_is_honoured_to_a_tenth(answer, tolerance):
    """Correct within tol - g/2, wrong beyond tol + g/2 (g = tol/5), right direction near it,
    no direction far away."""
    spec = validate({"id": "tol", "type": "numeric", "prompt": "x", "answer": answer,
                     **({"tolerance": tolerance} if tolerance else {})})
    key = rules.compile_key(spec)
    tol = rules.numeric_tolerance(answer, tolerance)
    margin = tol / rules.GRID_DIVISIONS / 2
    rng = random.Random(7)
    for _ in range(300):
        offset = rng.uniform(-3 * tol, 3 * tol)
        result = rules.check(key, repr(answer + offset))
        if abs(offset) <= tol - margin * 1.01:
            assert result.correct, offset
        elif abs(offset) >= tol + margin * 1.01:
            assert not result.correct, offset
            assert result.detail["direction"] == ("high" if offset > 0 else "low"), offset
    far = rules.check(key, repr(answer + 1e6 * tol))
    assert not far.correct and far.detail["direction"] is None


def test_no_plain_answer_in_key():
    spec = validate({"id": "secret", "type": "text", "prompt": "p", "answers": ["Zanzibar"]})
    key = rules.compile_key(spec)
    assert "zanzibar" not in str(key).lower()
    assert rules.reveal(key)["a"] == "Zanzibar"


def test_salt_and_key_are_deterministic_and_change_with_content():
    spec = validate(SPECS["single"])
    assert rules.compile_key(spec) == rules.compile_key(validate(SPECS["single"]))
    changed = validate({**SPECS["single"], "prompt": "Pick one, now"})
    assert rules.compile_key(changed)["v"] != rules.compile_key(spec)["v"]
    assert rules.compile_key(changed)["salt"] != rules.compile_key(spec)["salt"]


def test_shown_order_is_deterministic_and_never_the_answer():
    for n in range(2, 9):
        for salt in ("a", "b", "c"):
            order = rules.shown_order(n, salt)
            assert sorted(order) == list(range(n))
            assert order != list(range(n))
            assert order == rules.shown_order(n, salt)


def test_answers_round_trip_between_readable_and_response_forms():
    spec = validate(SPECS["ordering"])
    answer = ["three", "one", "four", "two"]
    assert to_answer(spec, to_response(spec, answer)) == answer
    spec = validate(SPECS["multiple"])
    assert to_answer(spec, to_response(spec, ["b", "d"])) == ["b", "d"]


def test_bad_responses_are_invalid_not_errors():
    for name, response in [("single", "0"), ("single", True), ("multiple", [0, "1"]),
                           ("multiple", {"a": 1}), ("ordering", [0, 1, 2, "3"]),
                           ("ordering", "0123"), ("single", 17)]:
        key = rules.compile_key(validate(SPECS[name]))
        assert rules.check(key, response).status == "invalid", (name, response)


def test_values_out_of_the_grid_are_wrong_not_errors():
    key = rules.compile_key(validate(SPECS["numeric-plain"]))
    for typed in ("1e300", "-1e300", "1e15", "-7e12"):
        result = rules.check(key, typed)
        assert result.status == "incorrect" and result.detail["direction"] is None, typed
    assert rules.numeric_checkable(2.1e13, {"abs": 1})
    assert not rules.numeric_checkable(2.1e13, {"abs": 0.01})
