"""An operating-system sandbox per kernel, made with bubblewrap (``bwrap``), and its limits.

Each submission's kernel runs in its own user, PID, network, IPC, UTS and mount namespaces:

* it sees a read-only ``/usr``, ``/etc``, the Python installation and the ``course_utils``
  package -- nothing else of the machine: no ``dist/``, submissions, ``grades/``, exercises,
  other kernels or their connection files;
* it can write only its own folders, mounted at ``/sandbox/work`` (its working folder),
  ``/sandbox/home``, ``/sandbox/tmp`` and ``/sandbox/ipc`` (the sockets it talks to the grader
  through: ipykernel's ``ipc`` transport, so there is no network at all);
* it runs as user ``65534`` of its own user namespace, mapped to an unprivileged user id of the
  machine (one per parallel slot when the grader runs as root; the grader's own otherwise);
* ``--die-with-parent`` and the PID namespace: when the grader kills the sandbox or dies,
  every process the kernel started dies with it.

When the grader runs as root, an outer ``bwrap`` builds the mounts and namespaces and an inner,
unprivileged ``bwrap`` (started through ``setpriv`` as the slot's user) adds the user namespace.
Resource limits (address space, CPU time, file size, processes, no core dumps) are set before
``bwrap`` starts and are inherited by everything inside.

Layout of one run's base folder on the grader's side (mode 0700)::

    base/
      run-0007/{work,home,tmp,ipc}/   mounted into the sandbox
      run-0007.kernel.json            the grader's connection file
      run-0007.stderr                 the kernel's standard error
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "INSIDE",
    "Limits",
    "Sandbox",
    "SandboxFactory",
    "SandboxUnavailable",
    "kernel_environment",
    "sandbox_problem",
]

INSIDE = Path("/sandbox")  # where the kernel's own folders appear inside the sandbox
INNER_UID = 65534  # "nobody" inside the sandbox's user namespace
_UID_BASE = 200_000  # machine user ids of the kernels when the grader runs as root
QUIET_FAST_ENV = {
    "MALLOC_ARENA_MAX": "2",  # fewer reserved heaps per thread: the address-space limit measures them
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # debugpy's start-up warning
}


class SandboxUnavailable(RuntimeError):
    """Kernels cannot be sandboxed on this machine; the message says why in one line."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's run."""

    cell_timeout: float = 30.0  # seconds of wall time per cell before it is interrupted
    notebook_timeout: float = 300.0  # seconds of wall time for the whole notebook
    interrupt_grace: float = 5.0  # seconds an interrupted cell gets before the kernel is killed
    memory_mb: int = 1536  # address-space limit of each process in the sandbox
    max_output_chars: int = 20_000  # output kept per cell; the rest is dropped while streaming
    max_file_mb: int = 64  # largest file the kernel may write
    max_processes: int = 64  # processes (and threads) of one kernel's user, when it has its own

    @property
    def cpu_seconds(self) -> int:
        """CPU-time limit of each process: the notebook budget plus start-up slack."""
        return int(self.notebook_timeout) + 30


@dataclass
class Sandbox:
    """One kernel's private folders (grader's side) and the user it runs as."""

    root: Path
    work: Path
    home: Path
    tmp: Path
    ipc: Path
    connection_file: Path
    stderr_log: Path
    uid: int | None  # machine user id of the kernel when the grader is root
    isolated: bool  # False with --no-sandbox: the kernel runs as a plain process

    @property
    def kernel_connection_file(self) -> Path:
        """The kernel's copy of its connection file (grader's side path)."""
        return self.ipc / "kernel.json"

    @property
    def ipc_prefix_inside(self) -> str:
        """The socket path prefix as the kernel sees it."""
        return str(INSIDE / "ipc" / "k") if self.isolated else str(self.ipc / "k")

    def kernel_command(self, python_args: list[str]) -> list[str]:
        """The command that starts ``python python_args`` in this sandbox."""
        python = [sys.executable, *python_args]
        if not self.isolated:
            return python
        return [*_bwrap_prefix(self), *python]

    def preexec(self, limits: Limits) -> functools.partial:
        """What the launched process runs before ``exec``: set the resource limits."""
        return functools.partial(_set_limits, limits, self.uid is not None)

    def remove(self) -> None:
        """Delete the sandbox's folders and side files."""
        shutil.rmtree(self.root, ignore_errors=True)
        for path in (self.connection_file, self.stderr_log):
            path.unlink(missing_ok=True)


def kernel_uids(grader_pid: int) -> range:
    """The machine user ids a grader running as root gives its kernels: 64 per grader process,
    from its pid, so two graders alive at once never share one (a shared uid would share
    RLIMIT_NPROC: one kernel's fork bomb could starve another's)."""
    start = _UID_BASE + grader_pid * 64
    return range(start, start + 64)


class SandboxFactory:
    """Creates sandboxes under one private base folder; clean up with :meth:`close`.

    ``deny`` lists folders the kernels must never see; the factory refuses to start when one of
    them lies inside a folder it would mount (say, submissions kept inside the Python
    installation).
    """

    def __init__(self, deny: list[Path], *, isolated: bool = True) -> None:
        self.isolated = isolated
        self.as_root = os.geteuid() == 0
        if isolated:
            problem = sandbox_problem()
            if problem:
                raise SandboxUnavailable(problem)
            for folder in deny:
                for mounted in readable_paths():
                    if _inside(Path(folder).resolve(), Path(mounted)):
                        raise SandboxUnavailable(
                            f"{folder} lies inside {mounted}, which kernels can read: move it elsewhere"
                        )
        self.base = Path(tempfile.mkdtemp(prefix="course-grade-")).resolve()
        os.chmod(self.base, 0o711 if self.as_root else 0o700)
        self._count = 0
        self._uid_base = kernel_uids(os.getpid()).start

    def create(self, slot: int) -> Sandbox:
        """A fresh sandbox for a kernel running in parallel slot ``slot``."""
        self._count += 1
        name = f"run-{self._count:04d}"
        root = self.base / name
        sandbox = Sandbox(
            root=root,
            work=root / "work",
            home=root / "home",
            tmp=root / "tmp",
            ipc=root / "ipc",
            connection_file=self.base / f"{name}.kernel.json",
            stderr_log=self.base / f"{name}.stderr",
            # a user id per sandbox, in turn (a slot's next kernel starts while its current one
            # runs); 64 ids per grader process
            uid=self._uid_base + self._count % 64 if (self.isolated and self.as_root) else None,
            isolated=self.isolated,
        )
        root.mkdir(mode=0o711 if self.as_root else 0o700)
        for folder in (sandbox.work, sandbox.home, sandbox.tmp, sandbox.ipc):
            folder.mkdir(mode=0o700)
            if sandbox.uid is not None:
                os.chown(folder, sandbox.uid, sandbox.uid)
        return sandbox

    def close(self) -> None:
        """Remove the base folder and everything in it."""
        shutil.rmtree(self.base, ignore_errors=True)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@functools.lru_cache(maxsize=1)
def readable_paths() -> tuple[str, ...]:
    """Folders of the machine mounted read-only into every sandbox (besides ``/usr``, ``/etc``)."""
    import course_utils

    paths = {
        str(Path(sys.base_prefix).resolve()),
        str(Path(sys.prefix).resolve()),
        str(Path(course_utils.__file__).resolve().parent),
    }
    for entry in sys.path:  # site-packages living outside the prefixes (rare: --target installs)
        path = Path(entry or ".").resolve()
        if path.name in ("site-packages", "dist-packages") and path.is_dir():
            paths.add(str(path))
    executable = Path(sys.executable).resolve()
    if not any(_inside(executable, Path(p)) for p in paths) and not str(executable).startswith(
        "/usr/"
    ):
        paths.add(str(executable.parent))
    # Keep only outermost folders, and none under /usr (mounted whole).
    ordered = sorted(p for p in paths if not p.startswith("/usr/"))
    return tuple(
        p for p in ordered if not any(p != q and _inside(Path(p), Path(q)) for q in ordered)
    )


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _parents_of(paths: tuple[str, ...]) -> list[str]:
    """``--dir`` for every parent folder of the mounts, world-searchable (bwrap makes them 0700)."""
    parents: list[str] = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            text = str(parent)
            if text != "/" and text not in parents and not text.startswith(("/usr", "/etc")):
                parents.append(text)
    args: list[str] = []
    for parent in parents:
        args += ["--perms", "0755", "--dir", parent]
    return args


def _bwrap_prefix(sandbox: Sandbox) -> list[str]:
    readable = readable_paths()
    mounts = [*_system_mounts(), *_parents_of(readable)]
    for path in readable:
        mounts += ["--ro-bind", path, path]
    mounts += ["--perms", "0755", "--dir", str(INSIDE)]
    for name, folder in (
        ("work", sandbox.work),
        ("home", sandbox.home),
        ("tmp", sandbox.tmp),
        ("ipc", sandbox.ipc),
    ):
        mounts += ["--bind", str(folder), str(INSIDE / name)]
    common = [
        "--die-with-parent",
        "--new-session",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    env = ["--clearenv"]
    for key, value in kernel_environment().items():
        env += ["--setenv", key, value]
    namespaces = [
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
    ]
    chdir = ["--chdir", str(INSIDE / "work"), "--hostname", "sandbox"]
    bwrap = _bwrap()
    user = ["--unshare-user", "--uid", str(INNER_UID), "--gid", str(INNER_UID)]
    if sandbox.uid is None:  # not root: one unprivileged bwrap does everything
        # Here the kernel's uid owns bwrap's root and /tmp (both tmpfs, in memory): read-only, or
        # a kernel could fill the machine's memory with files there (TMPDIR is /sandbox/tmp).
        read_only = ["--remount-ro", "/tmp", "--remount-ro", "/"]
        return [
            bwrap,
            *user,
            *namespaces,
            *common,
            *mounts,
            *read_only,
            *env,
            *chdir,
            "--",
        ]
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    uid = str(sandbox.uid)
    inner = [
        bwrap,
        *user,
        "--die-with-parent",
        "--unshare-pid",  # the kernel's parent is then this namespace's init, which ignores its signals
        "--dev-bind",
        "/",
        "/",
        "--chdir",
        str(INSIDE / "work"),
        "--",
    ]
    return [
        bwrap,
        *namespaces,
        *common,
        *mounts,
        *env,
        *chdir,
        "--",
        setpriv,
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--",
        *inner,
    ]


def _bwrap() -> str:
    return shutil.which("bwrap") or "bwrap"


def _set_limits(limits: Limits, own_user: bool) -> None:  # pragma: no cover - runs in the child
    memory = limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    size = limits.max_file_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if own_user:  # counted per machine user: only meaningful when the kernel has its own
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))


def kernel_environment(home: str | None = None) -> dict[str, str]:
    """Environment of a kernel: nothing inherited but the language, everything private inside."""
    home = home or str(INSIDE / "home")
    tmp = str(Path(home).parent / "tmp")
    path = os.pathsep.join(
        dict.fromkeys([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    )
    return {
        "PATH": path,
        "LANG": "C.UTF-8",
        "HOME": home,
        "TMPDIR": tmp,
        "TEMP": tmp,
        "TMP": tmp,
        "IPYTHONDIR": f"{home}/.ipython",
        "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter-runtime",
        "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
        "JUPYTER_DATA_DIR": f"{home}/.jupyter-data",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "MPLBACKEND": "Agg",
        "XDG_CACHE_HOME": f"{home}/.cache",
        "XDG_CONFIG_HOME": f"{home}/.config",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **QUIET_FAST_ENV,
    }


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str:
    """Why kernels cannot be sandboxed here (one line), or ``""`` when they can.

    Starts Python once in a sandbox built exactly as for a kernel.
    """
    if sys.platform != "linux":
        return "the sandbox needs Linux namespaces (bubblewrap); this is " + sys.platform
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    folder = Path(tempfile.mkdtemp(prefix="course-sandbox-probe-"))
    try:
        probe = SandboxFactory.__new__(SandboxFactory)
        probe.isolated, probe.as_root, probe.base, probe._count = True, os.geteuid() == 0, folder, 0
        probe._uid_base = _UID_BASE + 63
        os.chmod(folder, 0o711)
        sandbox = probe.create(0)
        command = sandbox.kernel_command(
            ["-c", "import course_utils, ipykernel, os; print(os.getuid())"]
        )
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start ({exc})"
        if done.returncode != 0 or done.stdout.strip() != str(INNER_UID):
            lines = [line for line in (done.stderr or "").strip().splitlines() if line.strip()]
            reason = lines[-1][:200] if lines else f"exit status {done.returncode}"
            return f"bubblewrap could not start a sandboxed Python ({reason})"
        return ""
    finally:
        shutil.rmtree(folder, ignore_errors=True)
