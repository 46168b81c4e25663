"""Run one notebook in a fresh kernel inside its sandbox, with limits (built on nbclient).

* the kernel starts in the sandbox of :mod:`course_utils.grading.sandbox` and talks to the
  grader over ipykernel's ``ipc`` transport (unix sockets in the sandbox's ``ipc`` folder);
* each cell gets ``cell_timeout`` seconds and the notebook ``notebook_timeout`` seconds; a cell
  past its time is interrupted (an ``interrupt_request`` message), and the kernel is killed --
  the whole sandbox with it -- if it does not answer within ``interrupt_grace`` seconds;
* output is counted while it streams and dropped beyond ``max_output_chars`` per cell;
* a test cell is not run in the kernel at all: its :attr:`PlannedCell.judge` runs in the grader
  and may send the kernel requests (:mod:`course_utils.grading.judge.evaluate`), whose replies
  (display data of type :data:`~course_utils.grading.protocol.VALUES_MIME`) are kept apart;
* a dying kernel ends the run: the cells run so far keep their results.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from queue import Empty
from time import monotonic
from typing import Any

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from course_utils.grading.judge.evaluate import Judgement, KernelReply
from course_utils.grading.protocol import MAX_REPLY_CHARS, VALUES_MIME
from course_utils.grading.sandbox import INSIDE, Limits, Sandbox, kernel_environment

__all__ = [
    "CellRun",
    "NotebookRun",
    "PlannedCell",
    "StartedKernel",
    "describe_exit",
    "run_notebook",
    "start_kernel",
]

MAX_REPLIES = 20  # protocol replies kept per request (one is expected)
TICK = 0.25  # seconds between checks of deadlines and kernel liveness

Judge = Callable[[Callable[[str, str], Awaitable[KernelReply]]], Awaitable[Judgement]]


@dataclass(frozen=True)
class PlannedCell:
    """A cell to execute (``code``) or a test cell to judge (``judge``); ``key`` names it."""

    key: str
    code: str = ""
    store_history: bool = True
    judge: Judge | None = None


@dataclass
class CellRun:
    """What happened to one planned cell."""

    key: str
    status: str = "not_run"  # ok | error | timeout | died | not_run
    ename: str = ""
    evalue: str = ""
    runtime_s: float = 0.0
    dropped_chars: int = 0
    judgement: Judgement | None = None


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
    """Starts ipykernel inside ``sandbox``, over the ``ipc`` transport, interrupted by message."""

    def __init__(self, sandbox: Sandbox, **kwargs: Any) -> None:
        super().__init__(
            transport="ipc",
            ip=str(sandbox.ipc / "k"),
            connection_file=str(sandbox.connection_file),
            **kwargs,
        )
        self.sandbox = sandbox
        self._kernel_spec = KernelSpec(
            argv=["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (sandboxed)",
            language="python",
            interrupt_mode="message",  # a signal would reach bwrap, not the kernel
        )

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """Write the kernel's copy of the connection file; the sandboxed ipykernel command."""
        info = dict(self.get_connection_info(session=False))
        info["key"] = info["key"].decode() if isinstance(info["key"], bytes) else info["key"]
        info["ip"] = self.sandbox.ipc_prefix_inside
        path = self.sandbox.kernel_connection_file
        path.write_text(json.dumps(info), encoding="utf-8")
        if self.sandbox.uid is not None:
            import os

            os.chown(path, self.sandbox.uid, self.sandbox.uid)
        inside = str(INSIDE / "ipc" / "kernel.json") if self.sandbox.isolated else str(path)
        return self.sandbox.kernel_command(
            [
                "-m",
                "ipykernel_launcher",
                "-f",
                inside,
                "--InteractiveShell.xmode=Minimal",  # tracebacks are not shown; formatting them is slow
                "--HistoryManager.enabled=False",
                *(extra_arguments or []),
            ]
        )


class GradingClient(NotebookClient):
    """A NotebookClient with deadlines, interrupt-then-kill, output limits and reply capture."""

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
        self.replies: dict[int, list[Any]] = {}
        self.expected_nonce = ""  # replies to the current request carry it
        self.kept_chars: dict[int, int] = {}
        self.dropped_chars: dict[int, int] = {}

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        """Keep protocol replies apart; drop output past the per-cell limit."""
        content = msg.get("content", {})
        data = content.get("data") if isinstance(content, dict) else None
        if isinstance(data, dict) and VALUES_MIME in data:
            payload = data[VALUES_MIME]
            kept = self.replies.setdefault(cell_index, [])
            expected = f'{{"nonce": "{self.expected_nonce}"'
            matches = (
                isinstance(payload, str)
                and bool(self.expected_nonce)
                and payload.startswith(expected)
            )
            # A flood of replies, or one huge one, costs no memory: at most MAX_REPLIES replies
            # and MAX_REPLY_CHARS characters in all are kept per request.
            room = MAX_REPLY_CHARS - sum(len(p) for p in kept)
            if matches and len(kept) < MAX_REPLIES and len(payload) <= room:
                kept.append(payload)
            return None
        size = _size(content)
        kept_chars = self.kept_chars.get(cell_index, 0)
        if kept_chars + size > self.limits.max_output_chars:
            self.dropped_chars[cell_index] = self.dropped_chars.get(cell_index, 0) + size
            return None
        self.kept_chars[cell_index] = kept_chars + size
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
            await self.km._kill_kernel()
        raise KernelKilledError("the kernel did not answer an interrupt and was killed")

    async def _check_raise_for_error(self, cell: Any, cell_index: int, exec_reply: Any) -> None:
        self.last_reply = exec_reply


class _Session:
    """One kernel's run: executes planned cells and the judges' requests, one at a time."""

    def __init__(
        self, client: GradingClient, nb: nbformat.NotebookNode, limits: Limits, deadline: float
    ) -> None:
        self.client = client
        self.nb = nb
        self.limits = limits
        self.deadline = deadline
        self.dead = False
        self.lock = asyncio.Lock()

    async def execute(
        self, code: str, store_history: bool, nonce: str = ""
    ) -> tuple[CellRun, list[Any]]:
        """Run ``code`` as a new cell; its outcome and the replies it published under ``nonce``."""
        async with self.lock:
            cell_run = CellRun("request")
            if self.dead:
                cell_run.status = "died"
                return cell_run, []
            if monotonic() >= self.deadline:
                cell_run.status = "timeout"
                return cell_run, []
            index = len(self.nb.cells)
            self.nb.cells.append(nbformat.v4.new_code_cell(code))
            self.client.expected_nonce = nonce
            await _run_cell(
                self.client, self.nb, index, store_history, cell_run, self.limits, self.deadline
            )
            if cell_run.status == "died":
                self.dead = True
            return cell_run, self.client.replies.get(index, [])

    async def request(self, code: str, nonce: str) -> KernelReply:
        """What the judges call: one protocol request, never stored in the kernel's history."""
        cell_run, replies = await self.execute(code, store_history=False, nonce=nonce)
        return KernelReply(cell_run.status, list(replies), cell_run.ename, cell_run.evalue)


@dataclass
class StartedKernel:
    """A kernel started in its sandbox, ready for a notebook (or the reason it did not start)."""

    sandbox: Sandbox
    km: SandboxedKernelManager
    client: GradingClient
    stderr: Any
    error: str = ""

    async def stop(self) -> None:
        """Kill the kernel and everything in its sandbox (used for a kernel never given work)."""
        await _stop(self.client, self.km, self.sandbox)
        self.stderr.close()


async def start_kernel(sandbox: Sandbox, limits: Limits) -> StartedKernel:
    """Start a kernel in ``sandbox`` and wait until it answers; never raises for kernel trouble.

    The batch starts the next kernel of a slot while the slot's current notebook runs, so that
    the second or so Python and ipykernel take to start overlaps with other work.
    """
    nb = nbformat.v4.new_notebook()
    km = SandboxedKernelManager(sandbox)
    client = GradingClient(nb, km, limits)
    stderr = open(sandbox.stderr_log, "wb")  # noqa: SIM115 - closed by run_notebook or stop()
    started = StartedKernel(sandbox, km, client, stderr)
    try:
        await client.async_start_new_kernel(
            cwd=str(sandbox.work),
            env=kernel_environment(None if sandbox.isolated else str(sandbox.home)),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=sandbox.preexec(limits),
        )
        client.kc = km.client()
        client.kc.start_channels()
        await _wait_for_ready(client.kc, km, timeout=60)
        client.kc.allow_stdin = False
    except Exception as exc:  # start-up failures come in many types
        started.error = f"the kernel did not start ({_first_line(exc)})"
    return started


async def run_notebook(
    cells: list[PlannedCell], sandbox: Sandbox, limits: Limits, kernel: StartedKernel | None = None
) -> NotebookRun:
    """Run ``cells`` in order in a new kernel inside ``sandbox`` (or in ``kernel``, started there
    beforehand by :func:`start_kernel`); never raises for kernel trouble. The kernel is stopped
    at the end, whatever happened."""
    run = NotebookRun(cells={c.key: CellRun(c.key) for c in cells})
    kernel = kernel if kernel is not None else await start_kernel(sandbox, limits)
    started = monotonic()
    client, km = kernel.client, kernel.km
    try:
        if kernel.error:
            run.start_error = kernel.error
            return run
        session = _Session(client, client.nb, limits, started + limits.notebook_timeout)
        for planned in cells:
            cell_run = run.cells[planned.key]
            if monotonic() >= session.deadline:
                run.budget_exhausted = True
                break
            t0 = monotonic()
            if planned.judge is not None:
                judgement = await planned.judge(session.request)
                cell_run.judgement = judgement
                cell_run.status = {"died": "died", "timeout": "timeout"}.get(judgement.kernel, "ok")
            else:
                done, _ = await session.execute(planned.code, planned.store_history)
                cell_run.status, cell_run.ename, cell_run.evalue = (
                    done.status,
                    done.ename,
                    done.evalue,
                )
                cell_run.dropped_chars = done.dropped_chars
            cell_run.runtime_s = monotonic() - t0
            if cell_run.status == "died" or session.dead:
                cell_run.status = "died"
                run.death = await _death_reason(km, cell_run)
                break
    finally:
        await kernel.stop()
        run.runtime_s = monotonic() - started
    return run


async def _run_cell(client, nb, index, store_history, cell_run, limits, deadline) -> None:
    client.cell_deadline = min(monotonic() + limits.cell_timeout, deadline)
    client.interrupted_at = None
    client.last_reply = None
    client.last_tick = 0.0
    t0 = monotonic()
    try:
        await client.async_execute_cell(nb.cells[index], index, store_history=store_history)
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
    if code < 0 or 128 < code < 128 + 65:  # killed by a signal (bwrap reports 128 + its number)
        number = -code if code < 0 else code - 128
        name = (
            signal.Signals(number).name
            if number in signal.Signals._value2member_map_
            else str(number)
        )
        why = {
            "SIGXCPU": "the CPU time limit was reached",
            "SIGKILL": "it was killed (out of memory or unresponsive)",
            "SIGSEGV": "it crashed (segmentation fault)",
            "SIGABRT": "it aborted (often: out of memory in C code)",
            "SIGXFSZ": "the file size limit was reached",
        }.get(name, "it was stopped by a signal")
        return f"the kernel died: {why} ({name})"
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


async def _stop(client: GradingClient, km: AsyncKernelManager, sandbox: Sandbox) -> None:
    """Kill the kernel at once. Inside the sandbox, killing it ends its PID namespace: every
    process the kernel started dies with it; the grader waits (briefly) until they are gone, so
    none outlives ``course grade``. Without a sandbox, its process tree is killed."""
    pid = None
    with contextlib.suppress(Exception):
        pid = getattr(km.provisioner, "pid", None)
    inside: list[psutil.Process] = []
    if pid:
        with contextlib.suppress(psutil.Error):
            inside = psutil.Process(pid).children(recursive=True)
    if pid and not sandbox.isolated:
        _kill_tree(pid)
    with contextlib.suppress(Exception):
        await km._kill_kernel()
    if inside:
        await asyncio.get_running_loop().run_in_executor(None, _wait_gone, inside)
    with contextlib.suppress(Exception):
        if client.kc is not None:
            client.kc.stop_channels()
    with contextlib.suppress(Exception):
        await km.cleanup_resources()


def _wait_gone(processes: list[psutil.Process], timeout: float = 3.0) -> None:
    """Wait until ``processes`` have ended (zombies count as ended); kill any that linger."""
    deadline = monotonic() + timeout
    while monotonic() < deadline:
        alive = [p for p in processes if _running(p)]
        if not alive:
            return
        time.sleep(0.02)
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _kill_tree(pid: int) -> None:
    """Kill whatever is left of an unsandboxed kernel's process tree (children it started)."""
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
