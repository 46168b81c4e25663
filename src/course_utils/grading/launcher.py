"""Kernel launch wrapper: ``python -m course_utils.grading.launcher CONFIG_JSON -f CONNECTION``.

Before the IPython kernel starts, in the kernel's own process, it

1. sets resource limits (address space, CPU time, file size, no core dumps);
2. copies the connection file into the sandbox and, when started as root, drops to the
   sandbox's unprivileged user (so the limits cannot be raised again);
3. moves into the sandbox's working folder;
4. installs an audit hook (PEP 578) that refuses, and logs for the grader, writes outside the
   sandbox, reads of the grader's folders (bundles, submissions, results), new processes and
   signals to other processes;
5. runs ``ipykernel_launcher`` in the same process.

Audit hooks cannot be removed once installed; code that bypasses Python (ctypes) is held back
by the user id and the limits instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import runpy
import shutil
import sys

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_PATH_EVENTS = {  # event -> positions of path arguments that get modified
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.link": (0, 1),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.copytree": (1,),
    "shutil.move": (0, 1),
}
_LIST_EVENTS = {"os.listdir", "os.scandir", "glob.glob"}
_PROCESS_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
    "os.killpg",
}


def main(argv: list[str]) -> None:
    """Apply the configuration in ``argv[0]`` and run the IPython kernel with ``argv[1:]``."""
    config = json.loads(argv[0])
    kernel_args = list(argv[1:])
    set_limits(config)
    kernel_args = _private_connection_file(config, kernel_args)
    log_fd = os.open(config["audit_log"], os.O_WRONLY | os.O_APPEND)
    if config.get("uid") is not None:
        _drop_privileges(int(config["uid"]))
    os.chdir(config["work"])
    _ = platform.uname().processor  # cached now: later calls would start a subprocess (uname -p)
    install_audit_hook(config["root"], config["deny"], log_fd)
    sys.argv = ["ipykernel_launcher", *kernel_args]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


def set_limits(config: dict) -> None:
    """Address space, CPU seconds, file size and core-dump limits, soft and hard."""
    memory = int(config["memory_bytes"])
    cpu = int(config["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(config["file_bytes"]),) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if config.get("uid") is not None:  # counts threads of this (otherwise unused) user id
        resource.setrlimit(resource.RLIMIT_NPROC, (256, 256))


def _private_connection_file(config: dict, kernel_args: list[str]) -> list[str]:
    if "-f" not in kernel_args:
        return kernel_args
    position = kernel_args.index("-f") + 1
    copy = config["connection_copy"]
    shutil.copyfile(kernel_args[position], copy)
    os.chmod(copy, 0o600)
    if config.get("uid") is not None:
        os.chown(copy, int(config["uid"]), int(config["uid"]))
    kernel_args[position] = copy
    return kernel_args


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("course grade: could not drop privileges")


def install_audit_hook(root: str, deny: list[str], log_fd: int) -> None:
    """Refuse, and log to ``log_fd``, what a graded notebook must not do.

    Reads are checked on the absolute path (cheap: every import opens files), writes and
    listings on the resolved path; creating links is refused, so no new symlink can lead a
    read out of the sandbox.
    """
    root = os.path.realpath(root)
    denied = sorted({os.path.abspath(d) for d in deny} | {os.path.realpath(d) for d in deny})
    me = os.getpid()
    watched = frozenset({"open", "os.kill", *_PATH_EVENTS, *_LIST_EVENTS, *_PROCESS_EVENTS})

    def inside(path: str, folder: str) -> bool:
        return path == folder or path.startswith(folder + os.sep)

    def absolute(path: object, resolve: bool) -> str | None:
        if isinstance(path, int) or path is None:
            return None
        try:
            text = os.fsdecode(os.fspath(path))
        except (TypeError, ValueError):
            return None
        return os.path.realpath(text) if resolve else os.path.abspath(text)

    def refuse(what: str, path: str) -> None:
        with contextlib.suppress(OSError):
            os.write(log_fd, f"{what}: {path}\n".encode("utf-8", "replace"))
        raise PermissionError(f"course grade: {what} is not allowed in a graded notebook: {path}")

    def check_write(path: object) -> None:
        real = absolute(path, resolve=True)
        if real is not None and not inside(real, root) and real != os.devnull:
            refuse("writing outside the working folder", real)

    def check_read(path: object, resolve: bool) -> None:
        real = absolute(path, resolve)
        if real is None or inside(real, root):
            return
        for folder in denied:
            if inside(real, folder):
                refuse("reading the grader's files", real)

    def hook(event: str, args: tuple) -> None:
        if event not in watched:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if writing:
                check_write(path)
            else:
                check_read(path, resolve=False)
        elif event in _PATH_EVENTS:
            if event in ("os.link", "os.symlink"):
                refuse("creating links", str(args[0]) if args else event)
            if event == "os.truncate" and args and args[0] == log_fd:
                refuse("truncating the grader's log", str(log_fd))
            for position in _PATH_EVENTS[event]:
                if position < len(args):
                    check_write(args[position])
        elif event in _LIST_EVENTS:
            if args:
                check_read(args[0], resolve=True)
        elif event in _PROCESS_EVENTS:
            refuse("starting a process", event)
        elif event == "os.kill" and args and args[0] not in (me, 0):
            refuse("signalling another process", str(args[0]))

    sys.addaudithook(hook)


if __name__ == "__main__":
    main(sys.argv[1:])
