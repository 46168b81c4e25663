"""Read and validate question specs: YAML with line numbers, a JSON schema, semantic checks."""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from course_utils.selfcheck.errors import SelfCheckError
from course_utils.selfcheck.rules import normalise_text

TYPES = ("single", "multiple", "numeric", "text", "ordering")
COMMON_KEYS = {"id", "type", "prompt", "hints", "explanation", "max_tries"}
TYPE_KEYS = {
    "single": {"options", "correct"},
    "multiple": {"options", "correct"},
    "numeric": {"answer", "tolerance", "percent", "unit", "feedback"},
    "text": {"answers", "wrong_answers", "feedback"},
    "ordering": {"items", "feedback"},
}
FEEDBACK_KEYS = {"numeric": {"correct", "incorrect", "too_low", "too_high"},
                 "text": {"correct", "incorrect"}, "ordering": {"correct", "incorrect"}}
_ID_LINE = re.compile(r"^\s*(?:-\s+)?id\s*:\s*['\"]?([^'\"#\s]+)", re.MULTILINE)


class LineDict(dict):
    """A mapping read from YAML that remembers its line and the line of each key (1-based)."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are :class:`LineDict` and which refuses duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# YAML 1.2 booleans only: an option "yes" / "No" / "on" stays text instead of becoming true/false.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag != _BOOL_TAG or first in "tTfF"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))


def parse_yaml(text: str, *, file: str | None = None, line_offset: int = 0) -> Any:
    """Parse YAML keeping line numbers (shifted by ``line_offset``); syntax errors name the line."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        found = _ID_LINE.findall(text[: mark.index] if mark else text)
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise SelfCheckError(f"YAML syntax error: {problem}", file=file, line=line,
                             qid=found[-1] if found else None) from None
    except yaml.YAMLError as exc:
        raise SelfCheckError(f"YAML error: {' '.join(str(exc).split())}", file=file) from None
    if line_offset:
        _shift_lines(data, line_offset)
    return data


def _shift_lines(data: Any, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line = (data.line or 0) + offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, list):
        for value in data:
            _shift_lines(value, offset)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON schema of one question (``schema.json`` in this package)."""
    text = resources.files("course_utils.selfcheck").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def _line_of(data: Any, path: Iterable[Any]) -> int | None:
    """The line of the deepest mapping key along ``path`` (or of the mapping itself)."""
    line = data.line if isinstance(data, LineDict) else None
    node = data
    for part in path:
        if isinstance(node, LineDict) and part in node.key_lines:
            line = node.key_lines[part]
        elif isinstance(node, LineDict) and node.line:
            line = node.line
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, LineDict) and node.line:
            line = node.line
    return line


def _where(path: Iterable[Any]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "the question"


def _schema_problem(error: jsonschema.ValidationError) -> str:
    where = _where(error.absolute_path)
    kind = error.validator
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        holder = "" if where == "the question" else f" in {where}"
        return f"missing required key '{name}'{holder}"
    if kind == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return f"unknown key '{extra[0] if extra else '?'}' in {where}"
    if kind in ("minLength", "pattern") and isinstance(error.instance, str) and not error.instance.strip():
        return f"'{where}' is empty"
    if kind == "pattern" and where == "id":
        return f"id {error.instance!r} must match ^[a-z0-9][a-z0-9-]*$ (lower case, digits, hyphens)"
    if kind == "type":
        return f"'{where}' must be {_article(error.validator_value)}, got {error.instance!r}"
    if kind == "enum":
        return f"'{where}' must be one of {', '.join(map(str, error.validator_value))}, got {error.instance!r}"
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return f"'{where}' must have {bound} {error.validator_value} entries"
    if kind in ("minimum", "maximum", "minProperties"):
        return f"'{where}': {error.message}"
    return f"'{where}': {error.message}"


def _article(kind: Any) -> str:
    names = {"string": "a string", "number": "a number", "integer": "a whole number",
             "boolean": "true or false", "array": "a list", "object": "a mapping"}
    return names.get(kind, str(kind)) if isinstance(kind, str) else " or ".join(map(_article, kind))


def _plain(data: Any) -> Any:
    """Drop the line bookkeeping: plain dicts and lists."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def _fail(problem: str, data: Any, path: Iterable[Any], *, file: str | None, qid: str | None,
          line: int | None = None) -> SelfCheckError:
    return SelfCheckError(problem, file=file, line=_line_of(data, list(path)) or line, qid=qid)


def _coerce_numeric_answer(data: dict[str, Any], *, file: str | None, qid: str | None) -> None:
    answer = data.get("answer")
    if isinstance(answer, str):
        try:
            value = float(answer.strip())
        except ValueError:
            raise _fail(f"the numeric answer {answer!r} is not a number", data, ["answer"],
                        file=file, qid=qid) from None
        data["answer"] = value
    elif answer is not None and (isinstance(answer, bool) or not isinstance(answer, (int, float))):
        raise _fail(f"the numeric answer {answer!r} is not a number", data, ["answer"],
                    file=file, qid=qid)
    if isinstance(data.get("answer"), float) and not math.isfinite(data["answer"]):
        raise _fail("the numeric answer must be a finite number", data, ["answer"], file=file, qid=qid)


def _normalise_options(data: dict[str, Any], *, file: str | None, qid: str | None) -> None:
    """Allow ``options: [a, b]`` with ``correct: a`` (or a list) as a shorthand for the flags."""
    options = data.get("options")
    if not isinstance(options, list):
        return
    converted = []
    for option in options:
        if isinstance(option, str):
            converted.append({"text": option})
        elif isinstance(option, (int, float)) and not isinstance(option, bool):
            converted.append({"text": str(option)})
        else:
            converted.append(option)
    if "correct" in data:
        wanted = data["correct"]
        wanted = wanted if isinstance(wanted, list) else [wanted]
        if any(isinstance(o, dict) and "correct" in o for o in converted):
            raise _fail("give 'correct' either on the question or on the options, not both",
                        data, ["correct"], file=file, qid=qid)
        texts = [str(o.get("text")) if isinstance(o, dict) else None for o in converted]
        for item in wanted:
            if str(item) not in texts:
                raise _fail(f"correct option {str(item)!r} is not among the options", data,
                            ["correct"], file=file, qid=qid)
        for option, text in zip(converted, texts, strict=True):
            if isinstance(option, dict) and text in {str(w) for w in wanted}:
                option["correct"] = True
        del data["correct"]
    data["options"] = converted


def _text_scalars(data: dict[str, Any]) -> None:
    """Numbers written where text belongs (``items: [1990, 2000]``) become text."""
    def text(value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    for key in ("answers", "items"):
        if isinstance(data.get(key), list):
            data[key] = [text(v) for v in data[key]]
    for option in data.get("options") or []:
        if isinstance(option, dict) and "text" in option:
            option["text"] = text(option["text"])
    for wrong in data.get("wrong_answers") or []:
        if isinstance(wrong, dict) and "answer" in wrong:
            wrong["answer"] = text(wrong["answer"])


def validate(data: Any, *, file: str | None = None, line: int | None = None) -> dict[str, Any]:
    """Validate one question (schema + semantic checks) and return it as a plain dict.

    Raises :class:`SelfCheckError` naming ``file``, the line (when the data came from YAML read
    by :func:`parse_yaml`, or ``line``), the question id and the problem.
    """
    if not isinstance(data, dict):
        raise SelfCheckError(f"a question must be a mapping of keys, got {type(data).__name__}",
                             file=file, line=line)
    qid = data.get("id") if isinstance(data.get("id"), str) else None
    if "id" not in data:
        raise _fail("missing required key 'id'", data, [], file=file, qid=None, line=line)
    qtype = data.get("type")
    if qtype is None:
        raise _fail("missing required key 'type' (single, multiple, numeric, text or ordering)",
                    data, [], file=file, qid=qid, line=line)
    if qtype not in TYPES:
        raise _fail(f"unknown type {qtype!r} (expected one of {', '.join(TYPES)})", data, ["type"],
                    file=file, qid=qid, line=line)
    allowed = COMMON_KEYS | TYPE_KEYS[qtype]
    for key in data:
        if key not in allowed and key in set().union(*TYPE_KEYS.values()):
            raise _fail(f"key '{key}' does not belong to a {qtype} question", data, [key],
                        file=file, qid=qid, line=line)
    work = dict(data)
    if isinstance(data, LineDict):
        work = LineDict(data)
        work.line, work.key_lines = data.line, data.key_lines
    if qtype == "numeric":
        _coerce_numeric_answer(work, file=file, qid=qid)
    if qtype in ("single", "multiple"):
        _normalise_options(work, file=file, qid=qid)
    _text_scalars(work)
    errors = sorted(_validator().iter_errors(work),
                    key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        error = errors[0]
        raise _fail(_schema_problem(error), work, list(error.absolute_path), file=file, qid=qid,
                    line=line)
    _semantic_checks(work, file=file, qid=qid, line=line)
    return _plain(work)


def _duplicates(values: list[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        norm = normalise_text(value)
        if norm in seen:
            return value
        seen.add(norm)
    return None


def _semantic_checks(data: dict[str, Any], *, file: str | None, qid: str | None,
                     line: int | None) -> None:
    qtype = data["type"]

    def fail(problem: str, *path: Any) -> SelfCheckError:
        return _fail(problem, data, list(path), file=file, qid=qid, line=line)

    if qtype in ("single", "multiple"):
        options = data["options"]
        dup = _duplicates([o["text"] for o in options])
        if dup is not None:
            raise fail(f"option {dup!r} is listed twice", "options")
        n_correct = sum(1 for o in options if o.get("correct"))
        if qtype == "single" and n_correct != 1:
            raise fail(f"a single-choice question needs exactly one correct option, found {n_correct}",
                       "options")
        if qtype == "multiple" and n_correct == 0:
            raise fail("a multiple-choice question needs at least one correct option", "options")
    if qtype in FEEDBACK_KEYS and isinstance(data.get("feedback"), dict):
        for key in data["feedback"]:
            if key not in FEEDBACK_KEYS[qtype]:
                raise fail(f"feedback key '{key}' does not belong to a {qtype} question "
                           f"(use {', '.join(sorted(FEEDBACK_KEYS[qtype]))})", "feedback", key)
    if qtype == "text":
        dup = _duplicates(data["answers"])
        if dup is not None:
            raise fail(f"accepted answer {dup!r} is listed twice (case and spaces do not count)",
                       "answers")
        accepted = {normalise_text(a) for a in data["answers"]}
        for i, wrong in enumerate(data.get("wrong_answers", [])):
            if normalise_text(wrong["answer"]) in accepted:
                raise fail(f"wrong answer {wrong['answer']!r} is also an accepted answer",
                           "wrong_answers", i)
    if qtype == "ordering":
        dup = _duplicates(data["items"])
        if dup is not None:
            raise fail(f"item {dup!r} is listed twice", "items")


def load_bank(path: str | Path, *, display: str | None = None) -> dict[str, dict[str, Any]]:
    """Read a YAML question bank (a list of questions) and return ``{id: validated spec}``.

    ``display`` is the file name used in messages (default: ``path``). Duplicate ids, YAML
    errors and bad questions raise :class:`SelfCheckError` naming the file and line.
    """
    path = Path(path)
    name = display or str(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise SelfCheckError(f"cannot read the question bank: {exc.strerror or exc}", file=name) from None
    return copy.deepcopy(_load_bank(path.resolve(), name, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=64)
def _load_bank(path: Path, name: str, mtime_ns: int, size: int) -> dict[str, dict[str, Any]]:
    """Read and validate a bank once per version of the file (pages often use several of its ids)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SelfCheckError(f"cannot read the question bank: {exc.strerror or exc}", file=name) from None
    data = parse_yaml(text, file=name)
    if data is None:
        data = []
    if not isinstance(data, list):
        raise SelfCheckError("a question bank must be a YAML list of questions", file=name, line=1)
    bank: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int | None] = {}
    for item in data:
        spec = validate(item, file=name)
        line = item.line if isinstance(item, LineDict) else None
        if spec["id"] in bank:
            raise SelfCheckError(f"duplicate id (first defined on line {first_line[spec['id']]})",
                                 file=name, line=line, qid=spec["id"])
        bank[spec["id"]] = spec
        first_line[spec["id"]] = line
    return bank


def question_from_bank(path: str | Path, qid: str, *, display: str | None = None) -> dict[str, Any]:
    """The validated question ``qid`` from the bank at ``path``."""
    bank = load_bank(path, display=display)
    if qid not in bank:
        known = ", ".join(sorted(bank)) or "none"
        raise SelfCheckError(f"no question with this id in the bank (ids there: {known})",
                             file=display or str(path), qid=qid)
    return bank[qid]


def question_from_yaml(text: str, *, file: str | None = None, line_offset: int = 0) -> dict[str, Any]:
    """Parse and validate one question written in YAML (e.g. a directive body)."""
    data = parse_yaml(text, file=file, line_offset=line_offset)
    return validate(data, file=file, line=line_offset + 1 if line_offset else None)
