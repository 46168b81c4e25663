"""The kernel template: which modules it preloads, and the Popen stand-in for forked kernels."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from course_utils.grading.zygote import KERNEL_MODULES, ForkedProcess, Zygote, preload_modules


def test_preload_modules_come_from_imports_of_locked_cells() -> None:
    modules = preload_modules(
        [
            "import pandas as pd\nfrom course_utils.labs import datasets\nfrom . import local",
            "%matplotlib inline",  # not Python: skipped
            "x = 1\nimport numpy.linalg",
        ]
    )
    assert modules[: len(KERNEL_MODULES)] == KERNEL_MODULES
    assert "pandas" in modules and "numpy.linalg" in modules and "course_utils.labs" in modules
    assert "course_utils.labs.datasets+" in modules  # a subpackage: its modules too
    assert not any("local" in m for m in modules)  # relative imports are the kernel's business


class _FakeTemplate:
    def __init__(self) -> None:
        self.codes: dict[int, int] = {}

    def exit_code(self, pid: int) -> int | None:
        return self.codes.get(pid)


def test_forked_process_reports_what_the_template_reaped() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    template = _FakeTemplate()
    process = ForkedProcess(child.pid, template)  # type: ignore[arg-type]
    try:
        assert process.poll() is None
        process.kill()
        child.wait(timeout=10)
        template.codes[child.pid] = -signal.SIGKILL
        assert process.wait(timeout=5) == -signal.SIGKILL
        process.send_signal(signal.SIGTERM)  # ended: nothing is sent, nothing raised
    finally:
        if child.poll() is None:
            child.kill()


@pytest.mark.slow
def test_template_starts_and_reports_ready() -> None:
    zygote = Zygote(["json", "course_utils.grading.launcher"], dict(os.environ))
    try:
        assert zygote.start(timeout=60), zygote.error
        assert zygote.alive
    finally:
        zygote.close()
    assert not zygote.alive
