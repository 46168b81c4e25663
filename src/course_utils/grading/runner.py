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
import uuid
from dataclasses import dataclass, field
from queue import Empty
from time import monotonic
from typing import Any

import nbformat
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from course_utils.grading.harness import RESULT_MIME
from course_utils.grading.sandbox import Limits, Sandbox, kernel_environment
from course_utils.grading.zygote import ForkedProvisioner, Zygote

__all__ = ["CellRun", "NotebookRun", "PlannedCell", "run_notebook"]

CRASHED = 70  # exit code of a forked kernel whose IPython raised (see zygote._child)
MAX_RESULTS = 20  # harness results kept per cell (one is expected)
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
            kept_results = self.results.setdefault(cell_index, [])
            if len(kept_results) < MAX_RESULTS:  # a flood of forged results costs no memory
                kept_results.append(data[RESULT_MIME])
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


async def run_notebook(
    cells: list[PlannedCell], sandbox: Sandbox, limits: Limits, zygote: Zygote | None = None
) -> NotebookRun:
    """Run ``cells`` in order in a new kernel inside ``sandbox``; never raises for kernel trouble.

    With a running ``zygote`` the kernel is forked from it (same sandbox, no import cost).
    """
    started = monotonic()
    run = NotebookRun(cells={c.key: CellRun(c.key) for c in cells})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.code) for c in cells])
    km = SandboxedKernelManager(
        sandbox.launcher_config(limits),
        kernel_name="python3",
        connection_file=str(sandbox.connection_file),
    )
    if zygote is not None and zygote.alive:
        km.kernel_id = str(uuid.uuid4())
        provisioner = ForkedProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
        provisioner.zygote = zygote
        km.provisioner = provisioner
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
            client.kc = km.client()
            client.kc.start_channels()
            await _wait_for_ready(client.kc, km, timeout=60)
            client.kc.allow_stdin = False
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
    if code == CRASHED:
        return "the kernel crashed: an error escaped IPython itself (did the code replace built-ins?)"
    return f"the kernel exited with code {code} (os._exit or a crash)"


async def _wait_for_ready(kc: Any, km: AsyncKernelManager, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` on shell *and* IOPub is connected.

    jupyter_client's own ``wait_for_ready`` ends with 0.2 s of listening for IOPub silence; here
    IOPub counts as connected once the ``idle`` status of our own request arrives on it.
    """
    deadline = monotonic() + timeout
    while monotonic() < deadline:
        msg_id = kc.kernel_info()
        replied = idle = False
        retry_at = monotonic() + 0.5
        while not (replied and idle) and monotonic() < retry_at:
            with contextlib.suppress(Empty):
                msg = await kc.shell_channel.get_msg(timeout=0.01)
                replied = replied or msg["parent_header"].get("msg_id") == msg_id
            with contextlib.suppress(Empty):
                msg = await kc.iopub_channel.get_msg(timeout=0.01)
                idle = idle or (
                    msg["parent_header"].get("msg_id") == msg_id
                    and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"
                )
        if replied and idle:
            return
        if not await km.is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


async def _stop(client: GradingClient, km: AsyncKernelManager) -> None:
    """Kill the kernel (and anything it started) at once; do not wait for it to be reaped."""
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
