"""One table of checking cases, run through the Python rules AND the browser's JavaScript.

Each case: a question spec, a readable answer (as a learner would give it) and the expected
status plus the detail keys that must match.
"""

from __future__ import annotations

from typing import Any

SPECS: dict[str, dict[str, Any]] = {
    "single": {"id": "case-single", "type": "single", "prompt": "Pick one",
               "options": [{"text": "alpha", "correct": True}, {"text": "beta"}, {"text": "gamma"}]},
    "multiple": {"id": "case-multiple", "type": "multiple", "prompt": "Pick all",
                 "options": [{"text": "a", "correct": True}, {"text": "b", "correct": True},
                             {"text": "c", "correct": True}, {"text": "d"}]},
    "numeric": {"id": "case-numeric", "type": "numeric", "prompt": "Share?", "answer": 0.75,
                "tolerance": {"abs": 0.01}, "percent": True},
    "numeric-rel": {"id": "case-numeric-rel", "type": "numeric", "prompt": "Budget?",
                    "answer": 1200, "tolerance": {"rel": 0.05}},
    "numeric-negative": {"id": "case-numeric-negative", "type": "numeric", "prompt": "Change?",
                         "answer": -2.5, "tolerance": {"abs": 0.1}},
    "numeric-unit": {"id": "case-numeric-unit", "type": "numeric", "prompt": "Percent?",
                     "answer": 25.4, "tolerance": {"abs": 0.05}, "unit": "%"},
    "numeric-points": {"id": "case-numeric-points", "type": "numeric", "prompt": "Fall?",
                       "answer": 25, "unit": "percentage points"},
    "numeric-plain": {"id": "case-numeric-plain", "type": "numeric", "prompt": "Ratio?",
                      "answer": 0.5, "tolerance": {"abs": 0.01}},
    "numeric-exact": {"id": "case-numeric-exact", "type": "numeric", "prompt": "Count?", "answer": 3},
    "text": {"id": "case-text", "type": "text", "prompt": "Shape?", "answers": ["T-shaped", "T shaped"],
             "wrong_answers": [{"answer": "I-shaped", "feedback": "Depth only."}]},
    "ordering": {"id": "case-ordering", "type": "ordering", "prompt": "Order",
                 "items": ["one", "two", "three", "four"]},
}

# (spec name, readable answer, expected status, expected detail subset)
CASES: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("single", "alpha", "correct", {}),
    ("single", "beta", "incorrect", {}),
    ("single", None, "invalid", {"problem": "choose"}),
    ("multiple", ["a", "b", "c"], "correct", {"right": 3, "total": 3, "wrong": 0}),
    ("multiple", ["c", "a"], "partial", {"right": 2, "total": 3, "wrong": 0}),
    ("multiple", ["a", "b", "d"], "partial", {"right": 2, "total": 3, "wrong": 1}),
    ("multiple", ["a", "b", "c", "d"], "partial", {"right": 3, "total": 3, "wrong": 1}),
    ("multiple", ["d"], "incorrect", {"right": 0, "total": 3, "wrong": 1}),
    ("multiple", [], "invalid", {"problem": "choose"}),
    ("numeric", "0.75", "correct", {}),
    ("numeric", "3/4", "correct", {}),
    ("numeric", "75%", "correct", {}),
    ("numeric", " 75 % ", "correct", {}),
    ("numeric", "6 / 8", "correct", {}),
    ("numeric", ".755", "correct", {}),
    ("numeric", "0.7590", "correct", {}),
    ("numeric", "7.5e-1", "correct", {}),
    ("numeric", "0.77", "incorrect", {"direction": "high"}),
    ("numeric", "0.7", "incorrect", {"direction": "low"}),
    ("numeric", "2/3", "incorrect", {"direction": "low"}),
    ("numeric", "0.5", "incorrect", {"direction": "low"}),
    ("numeric", "0.95", "incorrect", {"direction": "high"}),
    # Far off (more than about 40 tolerances): not right, and no direction (a global "too low"
    # would let anyone bisect to the answer in ~50 checks).
    ("numeric", "\u22120.75", "incorrect", {"direction": None}),
    ("numeric", "-5", "incorrect", {"direction": None}),
    ("numeric", "1e6", "incorrect", {"direction": None}),
    ("numeric", "75", "incorrect", {"direction": None}),
    ("numeric", "abc", "invalid", {"problem": "nan"}),
    ("numeric", "0,75", "invalid", {"problem": "nan"}),
    ("numeric", "3/0", "invalid", {"problem": "nan"}),
    ("numeric", "1e400", "invalid", {"problem": "nan"}),
    ("numeric", "   ", "invalid", {"problem": "empty"}),
    ("numeric-rel", "1250", "correct", {}),
    ("numeric-rel", "1.2e3", "correct", {}),
    ("numeric-rel", "1100", "incorrect", {"direction": "low"}),
    ("numeric-rel", "1300", "incorrect", {"direction": "high"}),
    ("numeric-negative", "-2.45", "correct", {}),
    ("numeric-negative", "-5/2", "correct", {}),
    ("numeric-negative", "2.5", "incorrect", {"direction": "high"}),
    ("numeric-negative", "-3", "incorrect", {"direction": "low"}),
    ("numeric-unit", "25.4%", "correct", {}),
    ("numeric-unit", "25.4", "correct", {}),
    ("numeric-unit", "0.254", "incorrect", {"direction": None}),
    ("numeric-unit", "24", "incorrect", {"direction": "low"}),
    ("numeric-plain", "50%", "invalid", {"problem": "percent"}),
    ("numeric-points", "25 percentage points", "correct", {}),
    ("numeric-points", "25 Percentage  Points", "correct", {}),
    ("numeric-points", "25", "correct", {}),
    ("numeric-unit", "25.4 %", "correct", {}),
    ("numeric-plain", "1/2", "correct", {}),
    ("numeric-exact", "3", "correct", {}),
    ("numeric-exact", "6/2", "correct", {}),
    ("numeric-exact", "3.0001", "incorrect", {"direction": None}),
    ("numeric-exact", "3.00000001", "incorrect", {"direction": "high"}),
    ("text", "T-shaped", "correct", {}),
    ("text", "  t   SHAPED ", "correct", {}),
    ("text", "\uff34-shaped", "correct", {}),
    ("text", "I-Shaped", "incorrect", {"wrong_answer": 0}),
    ("text", "pi-shaped", "incorrect", {}),
    ("text", "", "invalid", {"problem": "empty"}),
    ("ordering", ["one", "two", "three", "four"], "correct", {"placed": 4, "total": 4}),
    ("ordering", ["two", "one", "three", "four"], "incorrect", {"placed": 2, "total": 4}),
    ("ordering", ["four", "three", "two", "one"], "incorrect", {"placed": 0, "total": 4}),
    ("ordering", ["one", "two"], "invalid", {"problem": "order"}),
]


def case_id(case: tuple[str, Any, str, dict[str, Any]]) -> str:
    """Readable pytest id of a case."""
    name, answer, status, _ = case
    return f"{name}-{answer!r}-{status}"
