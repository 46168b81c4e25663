"""Every kind of bad question stops with one line naming the file, the line, the id and the problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from course_utils.selfcheck.errors import SelfCheckError
from course_utils.selfcheck.spec import load_bank, question_from_bank, question_from_yaml, validate

GOOD = """\
- id: good-one
  type: single
  prompt: Fine
  options:
    - text: yes
      correct: true
    - text: no
"""


def bank_error(tmp_path: Path, body: str) -> SelfCheckError:
    """Write a bank holding GOOD then ``body``; return the error that loading it raises."""
    path = tmp_path / "questions.yml"
    path.write_text(GOOD + textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(SelfCheckError) as info:
        load_bank(path, display="book/ch/questions.yml")
    return info.value


def assert_one_line(error: SelfCheckError, *, line: int | None, qid: str | None, words: str) -> None:
    text = str(error)
    assert "\n" not in text
    assert text.startswith("book/ch/questions.yml" + (f":{line}:" if line else ""))
    assert (f"'{qid}'" in text) if qid else "id unknown" in text
    assert words in text, text


def test_yaml_syntax_error_names_line_and_nearest_id(tmp_path):
    error = bank_error(tmp_path, """\
    - id: broken-yaml
      type: single
      prompt: "unclosed
      options: [a, b]
    """)
    assert error.line is not None and error.line >= 10
    assert_one_line(error, line=error.line, qid="broken-yaml", words="YAML syntax error")


def test_unknown_type(tmp_path):
    error = bank_error(tmp_path, """\
    - id: odd-type
      type: essay
      prompt: Write
    """)
    assert_one_line(error, line=9, qid="odd-type", words="unknown type 'essay'")


def test_missing_answer(tmp_path):
    error = bank_error(tmp_path, """\
    - id: no-answer
      type: numeric
      prompt: How many?
    """)
    assert_one_line(error, line=8, qid="no-answer", words="missing required key 'answer'")


def test_duplicate_id_in_a_bank(tmp_path):
    error = bank_error(tmp_path, GOOD.replace("Fine", "Again"))
    assert_one_line(error, line=8, qid="good-one", words="duplicate id (first defined on line 1)")


def test_correct_option_not_among_options(tmp_path):
    error = bank_error(tmp_path, """\
    - id: lost-correct
      type: single
      prompt: Which?
      options: [red, green]
      correct: blue
    """)
    assert_one_line(error, line=12, qid="lost-correct", words="correct option 'blue' is not among the options")


def test_numeric_answer_not_a_number(tmp_path):
    error = bank_error(tmp_path, """\
    - id: wordy-number
      type: numeric
      prompt: How much?
      answer: about a third
    """)
    assert_one_line(error, line=11, qid="wordy-number", words="numeric answer 'about a third' is not a number")


def test_numeric_answer_infinite(tmp_path):
    error = bank_error(tmp_path, """\
    - id: endless
      type: numeric
      prompt: How much?
      answer: .inf
    """)
    assert_one_line(error, line=11, qid="endless", words="finite number")


def test_empty_prompt(tmp_path):
    error = bank_error(tmp_path, """\
    - id: silent
      type: text
      prompt: "   "
      answers: [x]
    """)
    assert_one_line(error, line=10, qid="silent", words="'prompt' is empty")


def test_single_choice_needs_exactly_one_correct(tmp_path):
    error = bank_error(tmp_path, """\
    - id: two-right
      type: single
      prompt: Which?
      options:
        - {text: a, correct: true}
        - {text: b, correct: true}
    """)
    assert_one_line(error, line=11, qid="two-right", words="exactly one correct option, found 2")


def test_multiple_choice_needs_a_correct_option(tmp_path):
    error = bank_error(tmp_path, """\
    - id: none-right
      type: multiple
      prompt: Which?
      options: [a, b]
    """)
    assert_one_line(error, line=11, qid="none-right", words="at least one correct option")


def test_unknown_key_is_named(tmp_path):
    error = bank_error(tmp_path, """\
    - id: typo-key
      type: text
      prompt: Name?
      answers: [x]
      hintz: [y]
    """)
    assert_one_line(error, line=12, qid="typo-key", words="unknown key 'hintz' (did you mean 'hints'?)")


def test_key_of_another_type(tmp_path):
    error = bank_error(tmp_path, """\
    - id: mixed-up
      type: text
      prompt: Name?
      answers: [x]
      options: [a, b]
    """)
    assert_one_line(error, line=12, qid="mixed-up", words="key 'options' does not belong to a text question")


def test_wrong_value_type_names_the_key(tmp_path):
    error = bank_error(tmp_path, """\
    - id: bad-tries
      type: text
      prompt: Name?
      answers: [x]
      max_tries: many
    """)
    assert_one_line(error, line=12, qid="bad-tries", words="'max_tries' must be a whole number")


def test_missing_option_text_points_at_the_option(tmp_path):
    error = bank_error(tmp_path, """\
    - id: blank-option
      type: single
      prompt: Which?
      options:
        - text: a
          correct: true
        - feedback: no text here
    """)
    assert_one_line(error, line=14, qid="blank-option", words="missing required key 'text' in options[1]")


def test_wrong_answer_that_is_accepted(tmp_path):
    error = bank_error(tmp_path, """\
    - id: contradiction
      type: text
      prompt: Name?
      answers: [T-shaped]
      wrong_answers:
        - {answer: t-Shaped, feedback: no}
    """)
    assert_one_line(error, line=13, qid="contradiction", words="also an accepted answer")


def test_bad_id(tmp_path):
    error = bank_error(tmp_path, """\
    - id: Bad_Id
      type: text
      prompt: Name?
      answers: [x]
    """)
    assert_one_line(error, line=8, qid="Bad_Id", words="must match")


def test_duplicate_yaml_key(tmp_path):
    error = bank_error(tmp_path, """\
    - id: twice
      type: text
      prompt: Name?
      prompt: Again?
      answers: [x]
    """)
    assert_one_line(error, line=11, qid="twice", words="duplicate key 'prompt'")


def test_bank_must_be_a_list(tmp_path):
    path = tmp_path / "questions.yml"
    path.write_text("id: lonely\n", encoding="utf-8")
    with pytest.raises(SelfCheckError, match=r"questions.yml:1: self-check \(id unknown\): a question bank must be a YAML list"):
        load_bank(path)


def test_id_missing_from_bank(tmp_path):
    path = tmp_path / "questions.yml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(SelfCheckError, match=r"'not-there': no question with this id in the bank \(ids there: good-one\)"):
        question_from_bank(path, "not-there")


def test_directive_body_lines_are_shifted_to_the_page():
    body = "id: in-page\ntype: numeric\nprompt: x\nanswer: lots\n"
    with pytest.raises(SelfCheckError) as info:
        question_from_yaml(body, file="book/page.md", line_offset=20)
    assert str(info.value) == ("book/page.md:24: self-check 'in-page': the numeric answer 'lots' "
                               "is not a number")


def test_dict_specs_are_validated_too():
    with pytest.raises(SelfCheckError, match="<notebook>: self-check 'nb-q': missing required key 'answers'"):
        validate({"id": "nb-q", "type": "text", "prompt": "p"}, file="<notebook>")


def test_good_bank_loads_and_shorthand_sets_flags(tmp_path):
    path = tmp_path / "questions.yml"
    path.write_text(GOOD + "- {id: short, type: multiple, prompt: p, options: [a, b, 3], correct: [a, 3]}\n",
                    encoding="utf-8")
    bank = load_bank(path)
    assert list(bank) == ["good-one", "short"]
    assert [o.get("correct", False) for o in bank["short"]["options"]] == [True, False, True]
