"""Run one notebook's cells in a fresh, sandboxed kernel with limits (built on nbclient).

* the kernel is started through :mod:`course_utils.grading.launcher` (resource limits, private
  working folder, unprivileged user, audit hook);
* each cell gets ``cell_timeout`` seconds and the notebook ``notebook_timeout`` seconds; a cell
  past its time is interrupted, and the kernel is killed if it does not answer within
  ``interrupt_grace`` seconds;
* output is counted while it streams and dropped beyond ``max_output_chars`` per cell;
* test-harness results (display data of type :data:`~course_utils.grading.harness.RESULT_MIME`)
  are taken out of the output stream and kept apart;
* a dying kernel ends the run: the cells run so far keep their results.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

import nbformat
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from course_utils.grading.harness import RESULT_MIME
from course_utils.grading.sandbox import Limits, Sandbox, kernel_environment

__all__ = ["CellRun", "NotebookRun", "PlannedCell", "run_notebook"]

TICK = 0.25  # seconds between checks of deadlines and kernel liveness


@dataclass(frozen=True)
class PlannedCell:
    """A cell to execute: ``key`` identifies it to the caller."""

    key: str
    code: str
    store_history: bool = True


@dataclass
class CellRun:
    """What happened to one planned cell."""

    key: str
    status: str = "not_run"  # ok | error | timeout | died | not_run
    ename: str = ""
    evalue: str = ""
    runtime_s: float = 0.0
    results: list[Any] = field(default_factory=list)
    dropped_chars: int = 0
    blocked: list[str] = field(default_factory=list)


@dataclass
class NotebookRun:
    """The run of one notebook: per-cell outcomes and why it stopped early, if it did."""

    cells: dict[str, CellRun]
    start_error: str = ""
    death: str = ""
    budget_exhausted: bool = False
    runtime_s: float = 0.0


class KernelKilledError(DeadKernelError):
    """The grader killed a kernel that did not answer an interrupt."""


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel through the launcher with the sandbox's settings."""

    def __init__(self, launcher_config: dict, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.launcher_config = launcher_config

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """``python -m course_utils.grading.launcher CONFIG -f CONNECTION [extra]``."""
        return [
            sys.executable,
            "-m",
            "course_utils.grading.launcher",
            json.dumps(self.launcher_config),
            "-f",
            self.connection_file,
            "--InteractiveShell.xmode=Minimal",  # tracebacks are not shown; formatting them is slow
            "--HistoryManager.enabled=False",
            *(extra_arguments or []),
        ]


class GradingClient(NotebookClient):
    """A NotebookClient with deadlines, interrupt-then-kill, output limits and result capture."""

    def __init__(self, nb: nbformat.NotebookNode, km: AsyncKernelManager, limits: Limits) -> None:
        super().__init__(
            nb,
            km=km,
            allow_errors=True,
            timeout_func=lambda cell: TICK,
            interrupt_on_timeout=False,
            record_timing=False,
            startup_timeout=60,
            iopub_timeout=10,
        )
        self.limits = limits
        self.cell_deadline = 0.0
        self.interrupted_at: float | None = None
        self.last_tick = 0.0
        self.last_reply: dict[str, Any] | None = None
        self.results: dict[int, list[Any]] = {}
        self.kept_chars: dict[int, int] = {}
        self.dropped_chars: dict[int, int] = {}

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        """Keep harness results apart; drop output past the per-cell limit."""
        content = msg.get("content", {})
        data = content.get("data") if isinstance(content, dict) else None
        if isinstance(data, dict) and RESULT_MIME in data:
            self.results.setdefault(cell_index, []).append(data[RESULT_MIME])
            return None
        size = _size(content)
        kept = self.kept_chars.get(cell_index, 0)
        if kept + size > self.limits.max_output_chars:
            self.dropped_chars[cell_index] = self.dropped_chars.get(cell_index, 0) + size
            return None
        self.kept_chars[cell_index] = kept + size
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> None:
        now = monotonic()
        if self.interrupted_at is None:
            if now < self.cell_deadline:
                if now - self.last_tick < TICK / 2:  # a foreign message made get_msg return early
                    await asyncio.sleep(TICK)
                self.last_tick = monotonic()
                return None
            self.interrupted_at = now
            await self.km.interrupt_kernel()
            return None
        if now - self.interrupted_at < self.limits.interrupt_grace:
            return None
        with contextlib.suppress(Exception):
            await self.km.kill_kernel()
        raise KernelKilledError("the kernel did not answer an interrupt and was killed")

    async def _check_raise_for_error(self, cell: Any, cell_index: int, exec_reply: Any) -> None:
        self.last_reply = exec_reply


async def run_notebook(cells: list[PlannedCell], sandbox: Sandbox, limits: Limits) -> NotebookRun:
    """Run ``cells`` in order in a new kernel inside ``sandbox``; never raises for kernel trouble."""
    started = monotonic()
    run = NotebookRun(cells={c.key: CellRun(c.key) for c in cells})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.code) for c in cells])
    km = SandboxedKernelManager(
        sandbox.launcher_config(limits),
        kernel_name="python3",
        connection_file=str(sandbox.connection_file),
    )
    client = GradingClient(nb, km, limits)
    stderr = open(sandbox.stderr_log, "wb")  # noqa: SIM115 - closed in finally
    try:
        try:
            await client.async_start_new_kernel(
                cwd=str(sandbox.work),
                env=kernel_environment(sandbox),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            await client.async_start_new_kernel_client()
        except Exception as exc:  # start-up failures come in many types
            run.start_error = f"the kernel did not start ({_first_line(exc)})"
            return run
        deadline = started + limits.notebook_timeout
        blocked_seen = len(sandbox.blocked_actions())  # during start-up: not the student's
        for index, planned in enumerate(cells):
            cell_run = run.cells[planned.key]
            if monotonic() >= deadline:
                run.budget_exhausted = True
                break
            await _run_cell(client, nb, index, planned, cell_run, limits, deadline)
            new_blocked = sandbox.blocked_actions()
            cell_run.blocked = new_blocked[blocked_seen:]
            blocked_seen = len(new_blocked)
            if cell_run.status == "died":
                run.death = await _death_reason(km, cell_run)
                break
    finally:
        await _stop(client, km)
        stderr.close()
        run.runtime_s = monotonic() - started
    return run


async def _run_cell(client, nb, index, planned, cell_run, limits, deadline) -> None:
    client.cell_deadline = min(monotonic() + limits.cell_timeout, deadline)
    client.interrupted_at = None
    client.last_reply = None
    client.last_tick = 0.0
    before = len(client.results.get(index, []))
    t0 = monotonic()
    try:
        await client.async_execute_cell(nb.cells[index], index, store_history=planned.store_history)
    except DeadKernelError as exc:
        cell_run.status = "died"
        cell_run.evalue = str(exc)
    else:
        reply = (client.last_reply or {}).get("content", {})
        if client.interrupted_at is not None:
            cell_run.status = "timeout"
        elif reply.get("status") == "error":
            cell_run.status = "error"
        else:
            cell_run.status = "ok"
        cell_run.ename = str(reply.get("ename", ""))[:200]
        cell_run.evalue = str(reply.get("evalue", ""))[:500]
    cell_run.runtime_s = monotonic() - t0
    cell_run.results = client.results.get(index, [])[before:]
    cell_run.dropped_chars = client.dropped_chars.get(index, 0)


async def _death_reason(km: AsyncKernelManager, cell_run: CellRun) -> str:
    code = None
    for _ in range(20):
        provisioner = km.provisioner
        code = await provisioner.poll() if provisioner is not None else None
        if code is not None:
            break
        await asyncio.sleep(0.05)
    if isinstance(cell_run.evalue, str) and "did not answer an interrupt" in cell_run.evalue:
        return cell_run.evalue
    return describe_exit(code)


def describe_exit(code: int | None) -> str:
    """Why a kernel process ended, in words, from its exit status."""
    if code is None:
        return "the kernel stopped responding"
    if code < 0:
        number = -code
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        why = {
            "SIGXCPU": "the CPU time limit was reached",
            "SIGKILL": "it was killed (out of memory or unresponsive)",
            "SIGSEGV": "it crashed (segmentation fault)",
            "SIGABRT": "it aborted (often: out of memory in C code)",
            "SIGXFSZ": "the file size limit was reached",
        }.get(name, "it was stopped by a signal")
        return f"the kernel died: {why} ({name})"
    return f"the kernel exited with code {code} (os._exit or a crash)"


async def _stop(client: GradingClient, km: AsyncKernelManager) -> None:
    pid = None
    with contextlib.suppress(Exception):
        provisioner = km.provisioner
        pid = getattr(provisioner, "pid", None)
    if pid:
        _kill_tree(pid)
    with contextlib.suppress(Exception):
        if client.kc is not None:
            client.kc.stop_channels()
    with contextlib.suppress(Exception):
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    with contextlib.suppress(Exception):
        await km.cleanup_resources()


def _kill_tree(pid: int) -> None:
    """Kill whatever is left of the kernel's process tree (children it may have started)."""
    try:
        parent = psutil.Process(pid)
        procs = [*parent.children(recursive=True), parent]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _size(content: Any) -> int:
    if not isinstance(content, dict):
        return 0
    if "text" in content:
        return len(str(content["text"]))
    if "traceback" in content:
        return sum(len(str(line)) for line in content.get("traceback", []))
    data = content.get("data")
    if isinstance(data, dict):
        return sum(len(str(v)) for v in data.values())
    return 0


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__
