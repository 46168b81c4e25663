"""Fresh kernels, fast: fork each kernel from a template process that has the imports done.

Starting a kernel costs about a second of CPU, nearly all of it importing IPython, ipykernel,
pandas and the course's modules; on two cores that cost, not the students' code, limits a
class's grading. The *template* process (``python -m course_utils.grading.zygote``) imports
them once and never runs any notebook code. For each kernel it forks a child, which starts a
new session, applies the sandbox (limits, user id, working folder, audit hook, see
:mod:`course_utils.grading.launcher`) and runs the IPython kernel: a fresh process per
submission, as before, without the import cost.

The grader talks to the template over its stdin/stdout, one JSON object per line: a request
``{"id", "argv", "env", "stderr"}`` is answered with ``{"id", "pid"}``; when a child ends the
template reports ``{"exited": pid, "code": exit_code}``. :class:`ForkedProvisioner` plugs this
into jupyter_client in place of ``subprocess.Popen``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

__all__ = ["ForkedProvisioner", "ForkedProcess", "Zygote", "preload_modules"]

KERNEL_MODULES = [
    "ipykernel_launcher",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "ipykernel.eventloops",
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "IPython.core.debugger",
    "IPython.core.magics",
    "IPython.core.history",
    "tornado.ioloop",
    "tornado.queues",
    "faulthandler",
    "psutil",
    "sqlite3",
    "runpy",
    "course_utils.grading.launcher",
]


WITH_SUBMODULES = "+"


def preload_modules(sources: list[str]) -> list[str]:
    """Modules worth importing in the template: the kernel's, and those ``sources`` import."""
    found = list(KERNEL_MODULES)
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # IPython magics: not plain Python
        for node in tree.body:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(node.module)
                # ``from package import sub``: if sub is a subpackage, its modules too (the
                # course's data sets are imported lazily, one module each)
                found.extend(f"{node.module}.{alias.name}{WITH_SUBMODULES}" for alias in node.names)
    return list(dict.fromkeys(found))


class ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid = pid
        self.zygote = zygote
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code once the kernel has ended (reported by the template), else None."""
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Block until the kernel has ended; return its exit code."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel (unless it has ended)."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)


class ForkedProvisioner(LocalProvisioner):
    """A LocalProvisioner whose kernel is forked from a :class:`Zygote` instead of exec'd."""

    zygote: Zygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork the kernel from the template; ``cmd`` is the launcher command line."""
        assert self.zygote is not None
        marker = cmd.index("course_utils.grading.launcher")
        env = dict(kwargs.get("env") or os.environ)
        pid = await self.zygote.spawn(cmd[marker + 1 :], env)
        self.process = ForkedProcess(pid, self.zygote)
        self.pid = pid
        self.pgid = pid  # the child starts its own session
        self.cwd = kwargs.get("cwd")
        return self.connection_info


class Zygote:
    """The grader's handle on one template process."""

    def __init__(self, modules: list[str], env: dict[str, str]) -> None:
        self.modules = modules
        self.env = env
        self.process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._exits: dict[int, int] = {}
        self._ready = threading.Event()
        self._changed = threading.Condition()
        self.error = ""

    def start(self, timeout: float = 120) -> bool:
        """Start the template and wait until its imports are done; False if it failed."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "course_utils.grading.zygote", json.dumps(self.modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )
        threading.Thread(target=self._read, name="zygote-reader", daemon=True).start()
        return self._ready.wait(timeout) and not self.error

    @property
    def alive(self) -> bool:
        """True while the template runs."""
        return self.process is not None and self.process.poll() is None and not self.error

    async def spawn(self, argv: list[str], env: dict[str, str]) -> int:
        """Fork a kernel running the launcher with ``argv``; return its pid."""
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self._spawn, argv, env)

    def _spawn(self, argv: list[str], env: dict[str, str]) -> int:
        if not self.alive or self.process is None or self.process.stdin is None:
            raise RuntimeError(f"the kernel template is not running {self.error}".strip())
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            line = json.dumps({"id": request_id, "argv": argv, "env": env}) + "\n"
            self.process.stdin.write(line.encode())
            self.process.stdin.flush()
        with self._changed:
            ok = self._changed.wait_for(lambda: request_id in self._replies or not self.alive, timeout=30)
        reply = self._replies.pop(request_id, None)
        if not ok or reply is None or "pid" not in reply:
            raise RuntimeError(f"the kernel template did not fork a kernel ({(reply or {}).get('error', '')})")
        return int(reply["pid"])

    def exit_code(self, pid: int) -> int | None:
        """Exit code of a forked kernel that has ended, else None."""
        if pid in self._exits:
            return self._exits[pid]
        if not self.alive:  # without the template no status arrives: ask the system
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return -signal.SIGKILL
            except PermissionError:
                return None
        return None

    def close(self) -> None:
        """Stop the template (its kernels are stopped by their managers)."""
        if self.process is None:
            return
        with contextlib.suppress(Exception):
            if self.process.stdin:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            with self._changed:
                if "ready" in message:
                    self.error = message.get("error", "")
                    self._ready.set()
                elif "exited" in message:
                    self._exits[int(message["exited"])] = int(message["code"])
                elif "id" in message:
                    self._replies[int(message["id"])] = message
                self._changed.notify_all()
        with self._changed:
            self.error = self.error or "(the template process ended)"
            self._ready.set()
            self._changed.notify_all()


# --- the template process ------------------------------------------------------------------


def _template_main(modules: list[str]) -> None:  # pragma: no cover - runs in its own process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    failed = []
    for name in modules:
        failed.extend(_import(name))
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    error = f"the template has {threads} threads; forking is unsafe" if threads > 1 else ""
    _send(out, {"ready": True, "failed": failed, "error": error})
    if error:
        return
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin.buffer, selectors.EVENT_READ)
    pending = b""
    while True:
        events = selector.select(timeout=0.05)
        if events:
            chunk = os.read(sys.stdin.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                _serve(out, json.loads(line))
        _reap(out)
    # Stdin closed: the grader is done. Leave the children to their managers.


def _import(name: str) -> list[str]:  # pragma: no cover - runs in the template process
    """Import ``name`` (and, for ``name+`` naming a package, its direct submodules); return failures."""
    expand = name.endswith(WITH_SUBMODULES)
    name = name.rstrip(WITH_SUBMODULES)
    try:
        module = importlib.import_module(name)
    except Exception:  # not a module (a function imported by name) or not installed
        return [] if expand else [name]
    failed = []
    if expand and hasattr(module, "__path__"):
        import pkgutil

        for entry in pkgutil.iter_modules(module.__path__):
            try:
                importlib.import_module(f"{name}.{entry.name}")
            except Exception:
                failed.append(f"{name}.{entry.name}")
    return failed


def _serve(out, request: dict) -> None:  # pragma: no cover - runs in the template process
    try:
        pid = os.fork()
    except OSError as exc:
        _send(out, {"id": request["id"], "error": str(exc)})
        return
    if pid == 0:
        _child(request)
    _send(out, {"id": request["id"], "pid": pid})


def _child(request: dict) -> None:  # pragma: no cover - runs in the forked kernel
    code = 70
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        env = dict(request["env"])
        env["JPY_PARENT_PID"] = str(os.getppid())
        os.environ.clear()
        os.environ.update(env)
        import tempfile

        tempfile.tempdir = None
        from course_utils.grading import launcher

        config = json.loads(request["argv"][0])
        stderr = os.open(config["stderr_log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(stderr, 2)
        os.close(stderr)
        # the kernel exits when its parent, the template, goes (ipykernel read JPY_PARENT_PID
        # when the template imported it, so say it on the command line)
        launcher.main([*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reap(out) -> None:  # pragma: no cover - runs in the template process
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(out, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def _send(out, message: dict) -> None:  # pragma: no cover - runs in the template process
    out.write((json.dumps(message) + "\n").encode())
    out.flush()


if __name__ == "__main__":
    _template_main(json.loads(sys.argv[1]))
