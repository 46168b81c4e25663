"""A private working folder for one submission's kernel, and the limits it runs under.

Layout of one run's base folder (mode 0711, owned by the grader)::

    base/
      run-0007/            the sandbox (mode 0700, owned by the kernel's user)
        work/              the kernel's working folder: nothing else in it
        home/  tmp/        private HOME and TMPDIR
        connection.json    the kernel's copy of its connection file
      run-0007.audit       what the kernel's audit hook blocked (written by the kernel)
      run-0007.kernel.json connection file of the grader's side (mode 0600)

Nothing the grader reads to grade (bundles, submissions, results) is inside the sandbox. When
the grader runs as root, each parallel slot's kernel runs as its own unprivileged user id.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Limits", "Sandbox", "SandboxFactory", "kernel_environment", "template_environment"]

QUIET_FAST_ENV = {
    "MALLOC_ARENA_MAX": "2",  # fewer reserved heaps per thread: the address-space limit measures them
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # debugpy's start-up warning
}
_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's run."""

    cell_timeout: float = 30.0  # seconds of wall time per cell before it is interrupted
    notebook_timeout: float = 300.0  # seconds of wall time for the whole notebook
    interrupt_grace: float = 5.0  # seconds an interrupted cell gets before the kernel is killed
    memory_mb: int = 1536  # address-space limit of the kernel process
    max_output_chars: int = 20_000  # output kept per cell; the rest is dropped while streaming
    max_file_mb: int = 64  # largest file the kernel may write

    @property
    def cpu_seconds(self) -> int:
        """CPU-time limit of the kernel: the notebook budget plus start-up slack."""
        return int(self.notebook_timeout) + 30


@dataclass
class Sandbox:
    """Paths and identity of one kernel's private area."""

    root: Path
    work: Path
    home: Path
    tmp: Path
    audit_log: Path
    connection_file: Path
    stderr_log: Path
    uid: int | None
    deny: list[str] = field(default_factory=list)

    def launcher_config(self, limits: Limits) -> dict:
        """Settings passed to :mod:`course_utils.grading.launcher`."""
        return {
            "memory_bytes": limits.memory_mb * 2**20,
            "cpu_seconds": limits.cpu_seconds,
            "file_bytes": limits.max_file_mb * 2**20,
            "uid": self.uid,
            "root": str(self.root),
            "work": str(self.work),
            "connection_copy": str(self.root / "connection.json"),
            "audit_log": str(self.audit_log),
            "stderr_log": str(self.stderr_log),
            "deny": self.deny,
        }

    def blocked_actions(self) -> list[str]:
        """What the kernel's audit hook refused so far (one line each)."""
        try:
            text = self.audit_log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()]

    def remove(self) -> None:
        """Delete the sandbox and its side files."""
        shutil.rmtree(self.root, ignore_errors=True)
        for path in (self.audit_log, self.connection_file, self.stderr_log):
            path.unlink(missing_ok=True)


class SandboxFactory:
    """Creates sandboxes under one private base folder; clean up with :meth:`close`."""

    def __init__(self, deny: list[Path]) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="course-grade-")).resolve()
        os.chmod(self.base, 0o711)
        self.deny = sorted({str(Path(p).resolve()) for p in deny} | {str(self.base)})
        self._count = 0
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.drop_privileges = self.as_root and python_readable_by_others()
        self._uid_base = 200_000 + (os.getpid() % 5000) * 64

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
            audit_log=self.base / f"{name}.audit",
            connection_file=self.base / f"{name}.kernel.json",
            stderr_log=self.base / f"{name}.stderr",
            uid=self._uid_base + slot if self.drop_privileges else None,
            deny=[d for d in self.deny if d != str(self.base)] + [str(self.base)],
        )
        for folder in (root, sandbox.work, sandbox.home, sandbox.tmp):
            folder.mkdir(mode=0o700)
        sandbox.audit_log.touch(mode=0o600)
        if sandbox.uid is not None:
            for folder in (root, sandbox.work, sandbox.home, sandbox.tmp):
                os.chown(folder, sandbox.uid, sandbox.uid)
        return sandbox

    def close(self) -> None:
        """Remove the base folder and everything in it."""
        shutil.rmtree(self.base, ignore_errors=True)


def python_readable_by_others() -> bool:
    """Whether an unprivileged user could run this Python, its libraries and this package.

    A Python installed under ``/root`` (pyenv, uv) is not; kernels then keep the grader's user
    and rely on the audit hook and the private folders alone.
    """
    import ipykernel
    import pandas

    import course_utils

    paths = {Path(sys.executable).resolve(), Path(os.__file__).resolve().parent}
    for module in (ipykernel, pandas, course_utils):
        paths.add(Path(module.__file__).resolve().parent)
    for path in paths:
        if not path.exists() or not path.stat().st_mode & stat.S_IROTH:
            return False
        for folder in path.parents:
            if not folder.stat().st_mode & stat.S_IXOTH:
                return False
    return True


def kernel_environment(sandbox: Sandbox) -> dict[str, str]:
    """Environment of the kernel: a few inherited variables, everything private pointed inside."""
    env = {key: os.environ[key] for key in _KEEP_ENV if key in os.environ}
    home = str(sandbox.home)
    env.update(
        {
            "HOME": home,
            "TMPDIR": str(sandbox.tmp),
            "TEMP": str(sandbox.tmp),
            "TMP": str(sandbox.tmp),
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
    )
    env.setdefault("PATH", "/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    return env


def template_environment() -> dict[str, str]:
    """Environment of the kernel template (:mod:`course_utils.grading.zygote`): the grader's own,
    with the settings that must be fixed when Python starts (hash seed, threads, allocator)."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
            **QUIET_FAST_ENV,
        }
    )
    return env
