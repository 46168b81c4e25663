"""Judge one test cell in the grader's process, on answers that left the kernel as data.

1. The kernel is asked (:func:`~course_utils.grading.protocol.export_code`) for the answer names
   the cell reads; the reply is decoded into plain values (:func:`~course_utils.grading.protocol.decode`).
2. The cell's statements run *here*, in a fresh namespace: the reference run's names
   (:mod:`.reference`), the check helpers, then the answers. An answer that is a function stays
   in the kernel: calling it sends the arguments over and brings the result back as data.
3. Each statement passes, fails (an ``AssertionError``, such as a failed check) or raises.

A kernel can publish whatever it likes in answer to step 1; that changes the values judged,
never how they are judged. No test text is ever sent to the kernel.
"""

from __future__ import annotations

import asyncio
import builtins
import copy
import secrets
import types
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from course_utils.grading import checks
from course_utils.grading.judge.statements import TestStatement
from course_utils.grading.protocol import (
    KernelCallable,
    Opaque,
    ProtocolError,
    call_code,
    decode,
    export_code,
    read_reply,
)

__all__ = ["Judgement", "KernelReply", "judge_test_cell"]

PASSED, FAILED, ERROR, NOT_RUN = "passed", "failed", "error", "not_run"


@dataclass
class KernelReply:
    """What one request to the kernel gave: how it ended and the payloads it published."""

    status: str  # ok | error | timeout | died
    payloads: list[Any] = field(default_factory=list)
    ename: str = ""
    evalue: str = ""


RunInKernel = Callable[[str, str], Awaitable[KernelReply]]  # (code, nonce of its reply)


@dataclass
class Judgement:
    """The verdict on one test cell: an outcome per statement, and how the kernel behaved."""

    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, status, message)
    kernel: str = "ok"  # ok | timeout | died
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every statement passed and the kernel answered (that a cell holds a test at all is
        checked when the exercise is compiled, :mod:`course_utils.grading.scoring`)."""
        return (
            self.kernel == "ok"
            and bool(self.outcomes)
            and all(s == PASSED for _, s, _ in self.outcomes)
        )


class _KernelGone(BaseException):
    """The kernel died or had to be interrupted while a test called an answer function."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class StudentFunctionError(Exception):
    """An answer function raised in the kernel."""


class StudentFunction:
    """Stands for an answer function: calling it calls the function in the kernel."""

    def __init__(
        self, target: KernelCallable, run: RunInKernel, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._target = target
        self._run = run
        self._loop = loop
        self.__name__ = target.name

    def __repr__(self) -> str:
        return f"<function {self._target.name} (student's)>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        nonce = secrets.token_hex(12)
        code = call_code(nonce, self._target.handle, list(args), dict(kwargs))
        reply = asyncio.run_coroutine_threadsafe(self._run(code, nonce), self._loop).result()
        if reply.status in ("died", "timeout"):
            raise _KernelGone(reply.status)
        try:
            data = read_reply(reply.payloads, nonce)
        except ProtocolError:
            raise StudentFunctionError(
                f"calling {self._target.name}() gave no readable result"
            ) from None
        if "raised" in data:
            raised = data["raised"] if isinstance(data["raised"], list) else ["Exception", ""]
            ename, evalue = (str(x)[:500] for x in (raised + ["", ""])[:2])
            raise StudentFunctionError(
                f"{self._target.name}() raised {ename}: {evalue}".rstrip(": ")
            )
        return self._wrap(decode(data.get("result")))

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, KernelCallable):
            return StudentFunction(value, self._run, self._loop)
        return value


def helper_namespace() -> dict[str, Any]:
    """The check helpers a test cell may call, and what rewritten ``assert`` statements call."""
    names = {name: getattr(checks, name) for name in checks.__all__}
    names["__course_compare__"] = checks._assert_compare
    names["__course_assert__"] = checks._assert_true
    return names


async def judge_test_cell(
    statements: list[TestStatement],
    fetch: list[str],
    reference: dict[str, Any],
    run: RunInKernel,
) -> Judgement:
    """Judge ``statements`` with the answer names ``fetch`` read from the kernel through ``run``."""
    judgement = Judgement()
    values: dict[str, Any] = {}
    loop = asyncio.get_running_loop()
    if fetch:
        nonce = secrets.token_hex(12)
        reply = await run(export_code(nonce, sorted(fetch)), nonce)
        if reply.status in ("died", "timeout"):
            judgement.kernel = reply.status
            return judgement
        try:
            exported = read_reply(reply.payloads, nonce).get("values")
            if not isinstance(exported, dict):
                raise ProtocolError("no values")
        except ProtocolError:
            judgement.problems.append(
                "the kernel did not hand over the answers (was the grading agent changed?)"
            )
            exported = {}
        for name in fetch:
            if name not in exported:
                continue
            try:
                value = decode(exported[name])
            except (ProtocolError, ValueError, TypeError, OverflowError, RecursionError):
                judgement.problems.append(f"the answer '{name}' could not be read")
                continue
            if (
                isinstance(value, Opaque)
                and value.type_name == "module"
                and isinstance(reference.get(name), types.ModuleType)
            ):
                continue  # ``import numpy as np`` in an answer cell: the grader's own module
            values[name] = (
                StudentFunction(value, run, loop) if isinstance(value, KernelCallable) else value
            )
    namespace = {
        **_private_copy(reference),
        "__builtins__": builtins,
        **helper_namespace(),
        **values,
    }
    await asyncio.to_thread(_run_statements, statements, namespace, judgement)
    return judgement


def _private_copy(reference: dict[str, Any]) -> dict[str, Any]:
    """The reference namespace with its data copied, so that a test that changes a lab table in
    place (``inplace=True``, ``df[col] = ...``) cannot change what other judgements see (they run
    at the same time, for other students). Modules, functions and classes are shared."""
    out = {}
    for name, value in reference.items():
        if isinstance(value, (types.ModuleType, types.FunctionType, type)) or callable(value):
            out[name] = value
            continue
        try:
            out[name] = copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - a value that cannot be copied is shared as it is
            out[name] = value
    return out


def _run_statements(statements: list[TestStatement], namespace: dict, judgement: Judgement) -> None:
    for number, statement in enumerate(statements):
        try:
            code = compile(
                statement.code,
                f"<test statement {number + 1}>",
                "exec",
                dont_inherit=True,
                optimize=0,
            )
            exec(code, namespace)  # noqa: S102 - the instructor's test, run by the grader on data
        except _KernelGone as gone:
            judgement.kernel = gone.status
            judgement.outcomes.append((statement.kind, ERROR, _gone_message(gone.status)))
            judgement.outcomes.extend((s.kind, NOT_RUN, "") for s in statements[number + 1 :])
            return
        except AssertionError as exc:
            judgement.outcomes.append((statement.kind, FAILED, _message(exc, "the check failed")))
        except StudentFunctionError as exc:
            judgement.outcomes.append((statement.kind, ERROR, str(exc)))
        except Exception as exc:  # noqa: BLE001 - any error of a statement is its outcome
            judgement.outcomes.append(
                (statement.kind, ERROR, f"{type(exc).__name__}: {_message(exc, '')}".rstrip(": "))
            )
        else:
            judgement.outcomes.append((statement.kind, PASSED, ""))


def _gone_message(status: str) -> str:
    if status == "timeout":
        return "an answer function did not finish within the per-cell time limit"
    return "the kernel died while an answer function ran"


def _message(exc: BaseException, default: str) -> str:
    text = str(exc).strip()
    return text[:500] if text else default
