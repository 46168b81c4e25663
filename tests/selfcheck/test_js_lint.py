"""Lint of the self-check script: no HTML from text, ever.

A small JavaScript tokenizer (strings, template literals, regular expressions and comments are
told apart, so a sink named inside a string or a comment does not count) and a checker that
fails when ``innerHTML`` / ``outerHTML`` are assigned, or ``insertAdjacentHTML``,
``document.write``, ``createContextualFragment``, ``setHTMLUnsafe`` are given, anything but one
constant string; ``eval`` and ``Function`` are refused outright. The checker is itself tested on
bad samples, so that it can fail.

Marker ``selfcheck_safety`` (issue 9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from course_utils.selfcheck.assets import JS_FILE, static_text, widget_esm

pytestmark = pytest.mark.selfcheck_safety

HTML_PROPERTIES = {"innerHTML", "outerHTML", "srcdoc"}
"""Assigning one of these parses the value as HTML."""
HTML_CALLS = {
    "insertAdjacentHTML": 1,
    "write": 0,
    "writeln": 0,
    "createContextualFragment": 0,
    "setHTMLUnsafe": 0,
    "parseHTMLUnsafe": 0,
    "parseFromString": 0,
}
"""Calls whose argument at this index is parsed as HTML."""
CODE_SINKS = {"eval", "Function"}
ALLOWED_CALLS = {
    (
        "parseFromString",
        'String(model.get("html"))',
    ): "the widget parses the static rendering made by render.py (every text escaped), the same "
    "markup the book page holds; the parsed node is then moved into the page, so this is safe "
    "because the kernel's widget sets the html trait from render.py only, never from text",
}
"""Non-constant HTML arguments that are allowed, each with its reason (exact expression)."""


@dataclass
class Token:
    kind: str  # name, punct, string, template, regex, number
    text: str
    line: int
    constant: bool = True  # a string or template literal without ${...}


_PUNCT = sorted(
    [
        "===",
        "!==",
        "**=",
        "...",
        "<<=",
        ">>=",
        ">>>=",
        ">>>",
        "=>",
        "==",
        "!=",
        "<=",
        ">=",
        "&&",
        "||",
        "??",
        "?.",
        "++",
        "--",
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "&=",
        "|=",
        "^=",
        "&&=",
        "||=",
        "??=",
        "<<",
        ">>",
        "**",
    ],
    key=len,
    reverse=True,
)
_REGEX_AFTER = {
    "(",
    ",",
    "=",
    ":",
    "[",
    "!",
    "&",
    "|",
    "?",
    "{",
    "}",
    ";",
    "+",
    "-",
    "*",
    "%",
    "<",
    ">",
    "~",
    "^",
    "=>",
    "==",
    "===",
    "!=",
    "!==",
    "&&",
    "||",
    "??",
    "+=",
    "-=",
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "yield",
    "await",
}


def tokenize(source: str) -> list[Token]:
    """Tokens of a JavaScript source; comments dropped. Raises ValueError on an unclosed literal."""
    tokens: list[Token] = []
    i, n, line = 0, len(source), 1
    brace_stack: list[str] = []  # "{" for a block/object, "${" for a template substitution

    def read_template(start: int) -> int:
        """From just after a backtick (or a closing } of ${...}) to the end of that template part."""
        j = start
        while j < n:
            c = source[j]
            if c == "\\":
                j += 2
                continue
            if c == "`":
                return j + 1
            if c == "$" and source.startswith("${", j):
                return j + 2
            j += 1
        raise ValueError(f"unclosed template literal from line {line}")

    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unclosed comment from line {line}")
            line += source.count("\n", i, end)
            i = end + 2
            continue
        if c in "'\"":
            j = i + 1
            while j < n and source[j] != c:
                if source[j] == "\n":
                    raise ValueError(f"unclosed string on line {line}")
                j += 2 if source[j] == "\\" else 1
            if j >= n:
                raise ValueError(f"unclosed string on line {line}")
            tokens.append(Token("string", source[i : j + 1], line))
            i = j + 1
            continue
        if c == "`" or (c == "}" and brace_stack and brace_stack[-1] == "${"):
            if c == "}":
                brace_stack.pop()
            j = read_template(i + 1)
            part = source[i:j]
            line += part.count("\n")
            if part.endswith("${"):
                brace_stack.append("${")
            whole = c == "`" and part.endswith("`") and len(part) > 1
            tokens.append(Token("template", part, line, constant=whole))
            i = j
            continue
        if c == "/":
            prev = tokens[-1] if tokens else None
            if (
                prev is None
                or (prev.kind == "punct" and prev.text in _REGEX_AFTER)
                or (prev.kind == "name" and prev.text in _REGEX_AFTER)
            ):
                j, in_class = i + 1, False
                while j < n:
                    d = source[j]
                    if d == "\\":
                        j += 2
                        continue
                    if d == "\n":
                        raise ValueError(f"unclosed regular expression on line {line}")
                    if d == "[":
                        in_class = True
                    elif d == "]":
                        in_class = False
                    elif d == "/" and not in_class:
                        break
                    j += 1
                j += 1
                while j < n and (source[j].isalnum() or source[j] == "_"):
                    j += 1
                tokens.append(Token("regex", source[i:j], line))
                i = j
                continue
        m = re.match(r"[A-Za-z_$][\w$]*", source[i : i + 200])
        if m:
            tokens.append(Token("name", m.group(), line))
            i += len(m.group())
            continue
        m = re.match(
            r"(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)n?",
            source[i : i + 60],
        )
        if m:
            tokens.append(Token("number", m.group(), line))
            i += len(m.group())
            continue
        op = next((p for p in _PUNCT if source.startswith(p, i)), c)
        if op == "{":
            brace_stack.append("{")
        elif op == "}" and brace_stack:
            brace_stack.pop()
        tokens.append(Token("punct", op, line))
        i += len(op)
    return tokens


_OPEN, _CLOSE = {"(": ")", "[": "]", "{": "}"}, {")", "]", "}"}


def _expression(tokens: list[Token], start: int) -> list[Token]:
    """Tokens of the expression from ``start`` up to a ``;`` ``,`` or closing bracket at depth 0."""
    depth, out = 0, []
    for tok in tokens[start:]:
        if tok.kind == "punct":
            if tok.text in _OPEN:
                depth += 1
            elif tok.text in _CLOSE:
                if depth == 0:
                    break
                depth -= 1
            elif tok.text in (";", ",") and depth == 0:
                break
        elif tok.kind == "template":
            if tok.text.startswith("}"):
                depth -= 1
            if tok.text.endswith("${"):
                depth += 1
        out.append(tok)
    return out


def _arguments(tokens: list[Token], open_index: int) -> list[list[Token]]:
    """The arguments of the call whose ``(`` is at ``open_index``."""
    args, i = [], open_index + 1
    while i < len(tokens):
        if tokens[i].kind == "punct" and tokens[i].text == ")":
            break
        arg = _expression(tokens, i)
        args.append(arg)
        i += len(arg)
        if i < len(tokens) and tokens[i].text == ",":
            i += 1
    return args


def _constant(expr: list[Token]) -> bool:
    return len(expr) == 1 and expr[0].kind in ("string", "template") and expr[0].constant


def _text(expr: list[Token]) -> str:
    return "".join(t.text for t in expr)


def html_sinks(source: str) -> list[str]:
    """Every place where non-constant text reaches an HTML parser or code is built from text:
    ``line N: what`` (empty when the script is clean)."""
    tokens = tokenize(source)
    problems: list[str] = []
    for i, tok in enumerate(tokens):
        name = tok.text if tok.kind == "name" else None
        if tok.kind == "string" and i and tokens[i - 1].text == "[":  # el["innerHTML"]
            name = tok.text[1:-1]
            after = i + 2  # past the "]"
        else:
            after = i + 1
        if name is None:
            continue
        nxt = tokens[after] if after < len(tokens) else None
        member = i > 0 and tokens[i - 1].text in (".", "?.", "[")
        if name in CODE_SINKS and nxt is not None and nxt.text == "(" and not member:
            problems.append(f"line {tok.line}: {name}(...) builds code from text")
            continue
        if name in CODE_SINKS and not member and i > 0 and tokens[i - 1].text == "new":
            problems.append(f"line {tok.line}: new {name}(...) builds code from text")
            continue
        if name in HTML_PROPERTIES and nxt is not None:
            if nxt.text in ("=", "+=", "||=", "&&=", "??="):
                value = _expression(tokens, after + 1)
                if nxt.text != "=" or not _constant(value):
                    problems.append(f"line {tok.line}: {name} {nxt.text} {_text(value)[:80]}")
            elif nxt.text == ":" and not member:  # Object.assign(el, {innerHTML: x})
                value = _expression(tokens, after + 1)
                if not _constant(value):
                    problems.append(f"line {tok.line}: {name}: {_text(value)[:80]}")
        if name in HTML_CALLS and member and nxt is not None and nxt.text == "(":
            if name in ("write", "writeln") and not (i >= 2 and tokens[i - 2].text == "document"):
                continue
            args = _arguments(tokens, after)
            index = HTML_CALLS[name]
            value = args[index] if index < len(args) else []
            if not _constant(value) and (name, _text(value)) not in ALLOWED_CALLS:
                problems.append(f"line {tok.line}: {name}(... {_text(value)[:80]} ...)")
        if name in ("setAttribute",) and member and nxt is not None and nxt.text == "(":
            args = _arguments(tokens, after)
            if (
                args
                and _text(args[0]).strip("'\"").lower() in ("srcdoc",)
                and not _constant(args[1:2][0] if len(args) > 1 else [])
            ):
                problems.append(f"line {tok.line}: setAttribute('srcdoc', {_text(args[1])[:80]})")
    return problems


BAD_SAMPLES = {
    "assign": 'li.innerHTML = "Moved " + text;',
    "template": "fb.innerHTML = `Moved ${text} to ${pos}`;",
    "append": 'x.innerHTML += "<b>";',
    "variable": "const h = '<b>ok</b>'; el.outerHTML = h;",
    "computed": 'el["innerHTML"] = data.f;',
    "object": "Object.assign(el, { innerHTML: key.fi });",
    "chained": "a.b.c.innerHTML = items[i].textContent",
    "adjacent": 'el.insertAdjacentHTML("beforeend", label);',
    "write": "document.write(msg)",
    "fragment": "range.createContextualFragment(s)",
    "parse": "new DOMParser().parseFromString(key.x, 'text/html')",
    "eval": "eval(code)",
    "function": 'new Function("return " + s)()',
    "after-regex": 'const r = /a\\/b"/g; el.innerHTML = r.source;',
    "no-semicolon": "el.innerHTML = text\nnext()",
}
GOOD_SAMPLES = {
    "constant": 'el.innerHTML = "";',
    "constant-template": "el.innerHTML = `<b>fixed</b>`;",
    "comment": "// el.innerHTML = text\n/* document.write(x) */ el.textContent = text;",
    "string": 'say("never set innerHTML = text");',
    "regex": "const r = /innerHTML = x/; el.textContent = s;",
    "compare": "if (el.innerHTML == text) {}",
    "read": "const h = el.innerHTML;",
    "text-content": "el.textContent = `Moved ${text} to ${pos}`;",
    "other-write": "stream.write(data)",
}


@pytest.mark.parametrize("name", sorted(BAD_SAMPLES))
def test_the_checker_finds_a_bad_sample(name):
    assert html_sinks(BAD_SAMPLES[name]) != [], name


@pytest.mark.parametrize("name", sorted(GOOD_SAMPLES))
def test_the_checker_accepts_a_clean_sample(name):
    assert html_sinks(GOOD_SAMPLES[name]) == [], name


def test_the_tokenizer_reads_the_whole_script():
    tokens = tokenize(static_text(JS_FILE))
    names = {t.text for t in tokens if t.kind == "name"}
    assert {"textContent", "createElement", "replaceChildren", "courseSelfcheckV2"} <= names
    assert sum(t.kind == "regex" for t in tokens) >= 5
    # Balanced brackets: a mis-read literal would unbalance them.
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text in _OPEN:
            depth += 1
        elif tok.kind == "punct" and tok.text in _CLOSE:
            depth -= 1
        assert depth >= 0, tok
    assert depth == 0


@pytest.mark.parametrize("source", ["book", "widget"])
def test_the_selfcheck_script_builds_no_html_from_text(source):
    text = static_text(JS_FILE) if source == "book" else widget_esm()
    assert html_sinks(text) == []
