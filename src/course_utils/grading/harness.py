"""Grader side of the test harness: turn a test cell into the code sent to the kernel, and read
back the structured result it publishes.

A test cell is cut into top-level statements (public and hidden, in order). ``assert``
statements are rewritten here, in the grader, into type-checked helper calls, so
``assert answer == 42`` cannot be passed by an object whose ``__eq__`` always answers ``True``.
The kernel receives :func:`course_utils.grading.kernel_harness.run_tests` renamed with a random
token, and one call; it answers with one ``display_data`` of type :data:`RESULT_MIME` carrying
the token. A result without the right token, or more than one, is not trusted.
"""

from __future__ import annotations

import ast
import builtins
import re
import types
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.grading import checks, kernel_harness
from course_utils.grading.markers import public_and_hidden_segments

__all__ = [
    "RESULT_MIME",
    "HarnessResult",
    "TestStatement",
    "compile_test_cell",
    "expected_builtins",
    "parse_result",
    "wrapped_test_cell",
]

RESULT_MIME = "application/vnd.course-utils.test-result+json"
TAMPER_PREFIX = "course-grade: tampered:"

# Built-ins that the kernel legitimately replaces while running (ipykernel forwards input()).
_REPLACED_BY_KERNEL = {"input", "breakpoint", "help", "exit", "quit", "open", "print"}
_HELPERS = set(checks.__all__)


@dataclass(frozen=True)
class TestStatement:
    """One top-level statement of a test cell: public or hidden, as written and as sent."""

    __test__ = False  # not a pytest test class

    kind: str  # "public" | "hidden"
    text: str  # as the instructor wrote it (public ones are shown in feedback)
    code: str  # what the kernel runs (asserts rewritten)
    is_test: bool  # calls a check helper or asserts (otherwise: set-up code)


@dataclass
class HarnessResult:
    """What the harness reported for one test cell."""

    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, status, message)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every statement passed and nothing was tampered with."""
        return not self.problems and all(status == "passed" for _, status, _ in self.outcomes)


def compile_test_cell(source: str) -> list[TestStatement]:
    """Cut a (validated) test cell into statements, rewriting ``assert`` into checked calls."""
    statements: list[TestStatement] = []
    for segment in public_and_hidden_segments(source):
        tree = ast.parse(segment.text)
        for node in tree.body:
            text = ast.get_source_segment(segment.text, node) or ast.unparse(node)
            is_test = _is_test(node)
            rewritten = ast.fix_missing_locations(_AssertRewriter().visit(node))
            code = ast.unparse(ast.Module(body=[rewritten], type_ignores=[]))
            statements.append(TestStatement(segment.kind, text, code, is_test))
    return statements


def expected_builtins() -> list[list[str]]:
    """Names and kinds (``f`` function, ``c`` class) of the built-ins the kernel must still have."""
    found = []
    for name, value in sorted(vars(builtins).items()):
        if name.startswith("__") and name not in ("__import__", "__build_class__"):
            continue
        if name in _REPLACED_BY_KERNEL:
            continue
        if getattr(value, "__name__", None) != name:  # aliases such as IOError = OSError
            continue
        if type(value) is types.BuiltinFunctionType:
            found.append([name, "f"])
        elif isinstance(value, type) and not value.__flags__ & (1 << 9):
            found.append([name, "c"])
    return found


_FUNCTION_NAME = re.compile(r"^def run_tests\(", re.MULTILINE)


def wrapped_test_cell(token: str, question: str, statements: list[TestStatement]) -> str:
    """The code sent to the kernel in place of test cell ``question``."""
    function = f"__course_run_{token}"
    harness = _FUNCTION_NAME.sub(f"def {function}(", _KERNEL_SOURCE, count=1)
    call = (
        f"{function}({token!r}, {question!r}, {[[s.kind, s.code] for s in statements]!r}, "
        f"{_CHECKS_SOURCE!r}, {_EXPECTED!r}, {RESULT_MIME!r})"
    )
    return f"{harness}\ntry:\n    {call}\nfinally:\n    del {function}\n"


def parse_result(payloads: list[object], token: str, question: str) -> HarnessResult | None:
    """Read the harness result of one test cell from the payloads published under RESULT_MIME.

    Returns ``None`` when there is no trustworthy result; a result with ``problems`` when the
    payloads were forged or duplicated.
    """
    genuine = [
        p
        for p in payloads
        if isinstance(p, dict) and p.get("token") == token and p.get("question") == question
    ]
    if not genuine:
        if payloads:
            return HarnessResult(problems=["a test result without the run's token was published"])
        return None
    if len(genuine) > 1:
        return HarnessResult(problems=["more than one test result was published for this cell"])
    payload = genuine[0]
    outcomes = []
    for item in payload.get("results", []):
        if isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item):
            outcomes.append((item[0], item[1], item[2]))
    problems = [p for p in payload.get("problems", []) if isinstance(p, str)]
    if len(outcomes) != len(payload.get("results", [])):
        problems.append("the test result was malformed")
    return HarnessResult(outcomes=outcomes, problems=problems)


class _AssertRewriter(ast.NodeTransformer):
    """``assert a <op> b`` → ``__course_compare__(a, op, b, text)``; other asserts →
    ``__course_assert__(expr, text)``; ``assert x and y`` checks each part."""

    def visit_Assert(self, node: ast.Assert) -> ast.AST:  # noqa: N802 - ast visitor protocol
        calls = [self._check(part) for part in self._parts(node.test)]
        return calls[0] if len(calls) == 1 else ast.If(test=ast.Constant(True), body=calls, orelse=[])

    @staticmethod
    def _parts(test: ast.expr) -> list[ast.expr]:
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            return [p for value in test.values for p in _AssertRewriter._parts(value)]
        return [test]

    @staticmethod
    def _check(test: ast.expr) -> ast.stmt:
        text = ast.Constant(ast.unparse(test))
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op = _OPERATORS.get(type(test.ops[0]))
            if op is not None:
                call = ast.Call(
                    func=ast.Name("__course_compare__", ast.Load()),
                    args=[test.left, ast.Constant(op), test.comparators[0], text],
                    keywords=[],
                )
                return ast.Expr(call)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            call = ast.Call(
                func=ast.Name("check_false", ast.Load()),
                args=[test.operand, ast.Constant(f"assertion failed: {text.value}")],
                keywords=[],
            )
            return ast.Expr(call)
        call = ast.Call(func=ast.Name("__course_assert__", ast.Load()), args=[test, text], keywords=[])
        return ast.Expr(call)


_OPERATORS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


def _is_test(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, (ast.Assert, ast.Raise)):
            return True
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in _HELPERS:
            return True
    return False


_KERNEL_SOURCE = Path(kernel_harness.__file__).read_text(encoding="utf-8")
_CHECKS_SOURCE = Path(checks.__file__).read_text(encoding="utf-8")
_EXPECTED = expected_builtins()
