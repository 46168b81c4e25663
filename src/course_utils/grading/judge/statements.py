"""Test cells as the grader reads them: statements, what each needs from the kernel.

A test cell is cut into its top-level statements (public or hidden, see
:mod:`course_utils.grading.markers`); ``assert a == b`` is rewritten into a call of the checks'
comparison helper so that a failure says what was expected and found. None of this text is ever
sent to a kernel: the grader runs the statements itself (:mod:`.evaluate`), with the answers the
kernel exported as data.

Which names come from the kernel? Exactly the *answer names*: names that the source exercise's
answer cells bind at top level (assignments, ``def``, ``class``, imports, loop targets; and the
base of ``x[...] = `` or ``x.attr = ``). Names that a locked cell binds from answers count
too (:func:`kernel_names`). Every other name a test uses -- lab tables loaded by
locked cells, modules, helpers -- comes from the grader's own run of the source
(:mod:`.reference`), so rebinding them in an answer cell changes nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from course_utils.grading import checks
from course_utils.grading.markers import public_and_hidden_segments

__all__ = ["TestStatement", "answer_names", "compile_test_cell", "kernel_names", "names_used"]

_HELPERS = set(checks.__all__)


@dataclass(frozen=True)
class TestStatement:
    """One top-level statement of a test cell: public or hidden, as written and as sent."""

    __test__ = False  # not a pytest test class

    kind: str  # "public" | "hidden"
    text: str  # as the instructor wrote it (public ones are shown in feedback)
    code: str  # what the kernel runs (asserts rewritten)
    is_test: bool  # calls a check helper or asserts (otherwise: set-up code)


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


class _AssertRewriter(ast.NodeTransformer):
    """``assert a <op> b`` → ``__course_compare__(a, op, b, text)``; other asserts →
    ``__course_assert__(expr, text)``; ``assert x and y`` checks each part."""

    def visit_Assert(self, node: ast.Assert) -> ast.AST:  # noqa: N802 - ast visitor protocol
        calls = [self._check(part) for part in self._parts(node.test)]
        return (
            calls[0] if len(calls) == 1 else ast.If(test=ast.Constant(True), body=calls, orelse=[])
        )

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
        call = ast.Call(
            func=ast.Name("__course_assert__", ast.Load()), args=[test, text], keywords=[]
        )
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
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Name)
            and child.func.id in _HELPERS
        ):
            return True
    return False


def names_used(statements: list[TestStatement]) -> set[str]:
    """Every name the statements read."""
    found: set[str] = set()
    for statement in statements:
        for node in ast.walk(ast.parse(statement.code)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                found.add(node.id)
    return found


def answer_names(sources: list[str]) -> set[str]:
    """Names bound at top level by these answer-cell sources (see the module docstring)."""
    found: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(_without_magics(source))
        except SyntaxError:
            continue
        _bound(tree.body, found)
    return found


def kernel_names(cells: list[tuple[str, str]]) -> set[str]:
    """The names whose values must come from the kernel, for cells ``(role, source)`` in order.

    Every answer name, and every name a locked cell binds from them: a locked cell after an
    answer cell that reads an answer (``summary = ranked.head()``) computes from the student's
    work, so its result is the student's too, never the reference run's.
    """
    derived = answer_names([source for role, source in cells if role == "answer"])
    for role, source in cells:
        if role != "locked":
            continue
        try:
            tree = ast.parse(_without_magics(source))
        except SyntaxError:
            continue
        read = {
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        if read & derived:
            _bound(tree.body, derived)
    return derived


def _without_magics(source: str) -> str:
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _bound(body: list[ast.stmt], found: set[str]) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found.add((alias.asname or alias.name).split(".")[0])
            continue
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
        for target in targets:
            _target_names(target, found)
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr):
                found.add(child.target.id)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list) and not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                _bound(inner, found)
        for handler in getattr(node, "handlers", []) or []:
            if handler.name:
                found.add(handler.name)
            _bound(handler.body, found)


def _target_names(target: ast.AST, found: set[str]) -> None:
    if isinstance(target, ast.Name):
        found.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _target_names(element, found)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, found)
    elif isinstance(target, (ast.Subscript, ast.Attribute)):
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            found.add(base.id)
