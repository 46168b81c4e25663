"""Read and validate question specs: YAML with line numbers, a JSON schema, semantic checks."""

from __future__ import annotations

import copy
import difflib
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

from course_utils.selfcheck import rules
from course_utils.selfcheck.errors import SelfCheckError
from course_utils.selfcheck.render import images_in, raw_html_in
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


MAX_BANK_BYTES = 1_000_000
"""A bank (or a directive body) larger than this is refused before it is parsed."""
MAX_DEPTH = 16
"""Nesting of YAML lists and mappings; a question needs 4."""
MAX_VALUES = 20_000
"""Values in a bank once YAML aliases are expanded (an alias bomb expands to billions)."""
MAX_QUESTIONS = 1_000
TEXT_LIMITS = {"prompt": 2_000, "explanation": 4_000, "hints": 1_000, "feedback": 2_000,
               "options": 500, "answers": 200, "wrong_answers": 2_000, "items": 300, "unit": 20}
"""The longest text, in characters, of each field (an option's or wrong answer's own text: 500)."""


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
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain word, got {_kind(key)} {key!r:.40}", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a mapping", LineDict: "a mapping", type(None): "an empty key",
            bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# YAML 1.2 booleans only: an option "yes" / "No" / "on" stays text instead of becoming true/false;
# and no timestamps: "2017-01-01" stays text.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIME_TAG = "tag:yaml.org,2002:timestamp"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if (tag != _BOOL_TAG or first in "tTfF") and tag != _TIME_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))


def _item_qid(text: str, index: int) -> str | None:
    """The id of the question that holds character ``index``: in a bank (a YAML list) the
    top-level item around it, None when it is outside every item; in one question, its id."""
    line_end = text.find("\n", index)
    lines = text[: len(text) if line_end < 0 else line_end].split("\n")
    starts = [i for i, ln in enumerate(lines) if re.match(r"^-(\s|$)", ln)]
    if not re.search(r"^-(\s|$)", text, re.MULTILINE):
        found = _ID_LINE.findall(text)
        return found[0] if found else None
    col0 = [i for i, ln in enumerate(lines) if ln[:1] not in ("", " ", "\t", "#", "-")]
    if not starts or (col0 and col0[-1] > starts[-1]):
        return None
    tail = []
    for ln in ([] if line_end < 0 else text[line_end + 1:].split("\n")):
        if re.match(r"^(-(\s|$)|[^\s#])", ln):
            break
        tail.append(ln)
    found = _ID_LINE.findall("\n".join(lines[starts[-1]:] + tail))
    return found[0] if found else None


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, file: str | None, offset: int) -> SelfCheckError:
    mark = exc.problem_mark or exc.context_mark
    anchor = mark
    if exc.context_mark is not None and exc.problem_mark is not None and exc.problem_mark.index >= len(text.rstrip()):
        anchor = exc.context_mark  # "found unexpected end of stream": blame where it began
    line = anchor.line + 1 + offset if anchor else None
    qid = _item_qid(text, anchor.index) if anchor else None
    problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
    if exc.context and exc.problem and anchor is exc.context_mark:
        problem = f"{' '.join(str(exc.context).split())}, {problem}"
    kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
    return SelfCheckError(f"{kind}: {problem}", file=file, line=line, qid=qid)


def _prescan(text: str, *, file: str | None, offset: int) -> None:
    """Refuse deep nesting before anything recursive runs (the composer recurses per level)."""
    depth = 0
    for event in yaml.parse(text, Loader=_LineLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise SelfCheckError(f"the YAML is nested more than {MAX_DEPTH} levels deep",
                                     file=file, line=event.start_mark.line + 1 + offset,
                                     qid=_item_qid(text, event.start_mark.index))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _expanded_size(root: yaml.Node, *, file: str | None, offset: int, text: str) -> int:
    """Values in the document once aliases are expanded, counted without expanding them."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise SelfCheckError("a YAML alias refers to the list or mapping that holds it", file=file,
                                 line=node.start_mark.line + 1 + offset,
                                 qid=_item_qid(text, node.start_mark.index))
        busy.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        busy.discard(key)
        sizes[key] = min(total, MAX_VALUES + 1)
        return sizes[key]

    return size(root)


def parse_yaml(text: str, *, file: str | None = None, line_offset: int = 0) -> Any:
    """Parse YAML keeping line numbers (shifted by ``line_offset``); every failure is one
    :class:`SelfCheckError` naming the line. Size, nesting and alias expansion are bounded
    before anything is built."""
    if len(text) > MAX_BANK_BYTES:
        raise SelfCheckError(f"the YAML is {len(text):,} characters long (at most {MAX_BANK_BYTES:,})",
                             file=file, line=line_offset + 1)
    try:
        _prescan(text, file=file, offset=line_offset)
        loader = _LineLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            if _expanded_size(node, file=file, offset=line_offset, text=text) > MAX_VALUES:
                raise SelfCheckError(
                    f"the YAML expands to more than {MAX_VALUES:,} values (YAML aliases repeat their "
                    "anchor; write the text out instead)", file=file, line=line_offset + 1)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, file, line_offset) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise SelfCheckError(f"the text holds the control character U+{exc.character:04X}, which YAML "
                             "does not allow", file=file, line=line + line_offset,
                             qid=_item_qid(text, exc.position)) from None
    except yaml.YAMLError as exc:
        raise SelfCheckError(f"YAML error: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:
        raise SelfCheckError("the YAML is nested too deeply", file=file, line=line_offset + 1) from None
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


def _unknown_keys(data: dict[str, Any], qtype: str, *, file: str | None, qid: str | None,
                  line: int | None) -> None:
    """Misspelled and misplaced keys, reported as what they are (before any shorthand applies)."""
    allowed = COMMON_KEYS | TYPE_KEYS[qtype] | ({"correct"} if qtype in ("single", "multiple") else set())
    other_types = set().union(*TYPE_KEYS.values()) | {"correct"}
    for key in data:
        if not isinstance(key, str):
            raise _fail(f"a key must be a plain word, got {key!r:.40}", data, [], file=file, qid=qid, line=line)
        if key in allowed:
            continue
        if key in other_types:
            raise _fail(f"key '{key}' does not belong to a {qtype} question", data, [key],
                        file=file, qid=qid, line=line)
        close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise _fail(f"unknown key '{key}'{hint}", data, [key], file=file, qid=qid, line=line)


def _texts(data: dict[str, Any]) -> Iterable[tuple[list[Any], str, int]]:
    """Every text of a question: (path, text, limit)."""
    for key in ("prompt", "explanation", "unit"):
        if isinstance(data.get(key), str):
            yield [key], data[key], TEXT_LIMITS[key]
    for key in ("hints", "answers", "items"):
        for i, value in enumerate(data.get(key) or [] if isinstance(data.get(key), list) else []):
            if isinstance(value, str):
                yield [key, i], value, TEXT_LIMITS[key]
    feedback = data.get("feedback")
    if isinstance(feedback, dict):
        for key, value in feedback.items():
            if isinstance(value, str):
                yield ["feedback", key], value, TEXT_LIMITS["feedback"]
    for list_key in ("options", "wrong_answers"):
        entries = data.get(list_key)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, str):
                yield [list_key, i], entry, TEXT_LIMITS["options"]
            elif isinstance(entry, dict):
                for key, value in entry.items():
                    if isinstance(value, str):
                        limit = TEXT_LIMITS["feedback"] if key == "feedback" else TEXT_LIMITS["options"]
                        yield [list_key, i, key], value, limit


def _check_sizes(data: dict[str, Any], *, file: str | None, qid: str | None, line: int | None) -> None:
    for key, limit in (("options", 26), ("items", 12), ("hints", 10), ("answers", 50), ("wrong_answers", 50)):
        if isinstance(data.get(key), list) and len(data[key]) > limit:
            raise _fail(f"'{key}' has {len(data[key])} entries (at most {limit})", data, [key],
                        file=file, qid=qid, line=line)
    for path, text, limit in _texts(data):
        if len(text) > limit:
            raise _fail(f"'{_where(path)}' is {len(text):,} characters long (at most {limit:,})",
                        data, path, file=file, qid=qid, line=line)


def _check_markup(data: dict[str, Any], *, file: str | None, qid: str | None, line: int | None) -> None:
    """Question text may not load anything: no Markdown images and no raw HTML (which the page
    would show as written, never as HTML)."""
    for path, text, _ in _texts(data):
        if path[0] in ("unit", "answers") or path[-1] == "answer":
            continue
        images = images_in(text)
        if images:
            raise _fail(f"'{_where(path)}' holds an image ({images[0][:60]!r}); self-check text may "
                        "not load anything: describe it in words or put the image on the page",
                        data, path, file=file, qid=qid, line=line)
        tags = raw_html_in(text)
        if tags:
            raise _fail(f"'{_where(path)}' holds raw HTML ({tags[0][:60]!r}); self-check text is inline "
                        "Markdown and shows HTML as written: use **bold**, *italic* or `code`",
                        data, path, file=file, qid=qid, line=line)


def validate(data: Any, *, file: str | None = None, line: int | None = None) -> dict[str, Any]:
    """Validate one question (schema + semantic checks) and return it as a plain dict.

    Raises :class:`SelfCheckError` naming ``file``, the line (when the data came from YAML read
    by :func:`parse_yaml`, or ``line``), the question id and the problem.
    """
    if not isinstance(data, dict):
        raise SelfCheckError(f"a question must be a mapping of keys, got {_kind(data)}",
                             file=file, line=line)
    qid = data.get("id") if isinstance(data.get("id"), str) and len(data["id"]) <= 80 else None
    if "id" not in data:
        raise _fail("missing required key 'id'", data, [], file=file, qid=None, line=line)
    qtype = data.get("type")
    if qtype is None:
        raise _fail("missing required key 'type' (single, multiple, numeric, text or ordering)",
                    data, [], file=file, qid=qid, line=line)
    if not isinstance(qtype, str) or qtype not in TYPES:
        raise _fail(f"unknown type {qtype!r:.40} (expected one of {', '.join(TYPES)})", data, ["type"],
                    file=file, qid=qid, line=line)
    _unknown_keys(data, qtype, file=file, qid=qid, line=line)
    _check_sizes(data, file=file, qid=qid, line=line)
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
    _check_markup(work, file=file, qid=qid, line=line)
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
    if qtype == "numeric":
        _numeric_checks(data, fail)
    if qtype == "ordering":
        dup = _duplicates(data["items"])
        if dup is not None:
            raise fail(f"item {dup!r} is listed twice", "items")


def _numeric_checks(data: dict[str, Any], fail: Any) -> None:
    tolerance = data.get("tolerance") or {}
    for part, value in tolerance.items():
        if not math.isfinite(float(value)):
            raise fail(f"the tolerance '{part}' must be a finite number", "tolerance", part)
    answer = float(data["answer"])
    if not rules.numeric_checkable(answer, tolerance):
        tol = rules.numeric_tolerance(answer, tolerance)
        least = abs(answer) * rules.GRID_DIVISIONS / (rules.MAX_CELL / 10)
        raise fail(f"the answer {rules.format_number(answer)} cannot be checked to within "
                   f"±{rules.format_number(tol)} (floating-point numbers are not that precise): "
                   f"give a tolerance of at least {least:.3g}", "tolerance" if tolerance else "answer")
    unit = data.get("unit")
    if data.get("percent") and unit is not None:
        if unit.strip() == "%":
            raise fail("give either 'percent: true' (the answer is a share such as 0.25, and 25% is "
                       "accepted) or 'unit: \"%\"' (the answer is in percent, such as 25), not both",
                       "unit")
        raise fail(f"'percent: true' makes the answer a share (0.25 = 25%), which has no unit; "
                   f"drop 'unit: {unit}' or 'percent'", "unit")
    if unit is not None and not unit.strip():
        raise fail("'unit' is empty", "unit")


def load_bank(path: str | Path, *, display: str | None = None) -> dict[str, dict[str, Any]]:
    """Read a YAML question bank (a list of questions) and return ``{id: validated spec}``.

    ``display`` is the file name used in messages (default: ``path``). Every failure (reading,
    encoding, YAML, schema, meaning, duplicate ids) raises one :class:`SelfCheckError` naming the
    file and, where known, the line and the question id. A bank is read once per version of the
    file, and so is its error.
    """
    path = Path(path)
    name = display or str(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise SelfCheckError(f"cannot read the question bank: {exc.strerror or exc}", file=name) from None
    outcome = _load_bank(path.resolve(), name, stat.st_mtime_ns, stat.st_size)
    if isinstance(outcome, SelfCheckError):
        raise outcome.located()
    return copy.deepcopy(outcome)


def decode_text(raw: bytes, *, file: str | None) -> str:
    """UTF-8 text (a BOM is dropped) or one error naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        text = raw.decode("utf-8", errors="replace")
        index = len(raw[: exc.start].decode("utf-8", errors="replace"))
        raise SelfCheckError(f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                             "save it as UTF-8", file=file, line=line, qid=_item_qid(text, index)) from None


@lru_cache(maxsize=64)
def _load_bank(path: Path, name: str, mtime_ns: int, size: int) -> dict[str, dict[str, Any]] | SelfCheckError:
    """Read and validate a bank once per version of the file (pages often use several of its ids)."""
    try:
        return _read_bank(path, name, size)
    except SelfCheckError as error:
        return error


def _read_bank(path: Path, name: str, size: int) -> dict[str, dict[str, Any]]:
    if size > MAX_BANK_BYTES:
        raise SelfCheckError(f"the question bank is {size:,} bytes (at most {MAX_BANK_BYTES:,}); "
                             "split it into several banks", file=name, line=1)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SelfCheckError(f"cannot read the question bank: {exc.strerror or exc}", file=name) from None
    data = parse_yaml(decode_text(raw, file=name), file=name)
    if data is None:
        data = []
    if not isinstance(data, list):
        raise SelfCheckError("a question bank must be a YAML list of questions (each starting with '- id:')",
                             file=name, line=1)
    if len(data) > MAX_QUESTIONS:
        raise SelfCheckError(f"the bank holds {len(data):,} questions (at most {MAX_QUESTIONS:,})",
                             file=name, line=1)
    bank: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int | None] = {}
    for item in data:
        line = item.line if isinstance(item, LineDict) else None
        spec = validate(item, file=name, line=line)
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
