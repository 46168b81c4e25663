"""The sandbox of a kernel: private folders, a clean environment, and the audit hook's refusals."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from course_utils.grading.runner import describe_exit
from course_utils.grading.sandbox import (
    SandboxFactory,
    kernel_environment,
    python_readable_by_others,
)


@pytest.fixture
def factory(tmp_path):
    made = SandboxFactory(deny=[tmp_path / "dist"])
    yield made
    made.close()
    assert not made.base.exists()


def test_sandbox_folders_and_limits(factory, tmp_path) -> None:
    sandbox = factory.create(slot=0)
    assert stat.S_IMODE(factory.base.stat().st_mode) == 0o711
    for folder in (sandbox.root, sandbox.work, sandbox.home, sandbox.tmp):
        assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sandbox.audit_log.parent == factory.base and not sandbox.audit_log.is_relative_to(sandbox.root)
    assert str((tmp_path / "dist").resolve()) in sandbox.deny and str(factory.base) in sandbox.deny
    second = factory.create(slot=1)
    assert second.root != sandbox.root
    sandbox.remove()
    assert not sandbox.root.exists()


def test_kernel_environment_is_private_and_clean(factory, monkeypatch) -> None:
    monkeypatch.setenv("INSTRUCTOR_API_TOKEN", "secret")
    env = kernel_environment(factory.create(slot=0))
    assert "INSTRUCTOR_API_TOKEN" not in env
    assert env["HOME"].startswith(str(factory.base)) and env["TMPDIR"].startswith(str(factory.base))
    assert env["PYTHONHASHSEED"] == "0" and env["OMP_NUM_THREADS"] == "1"


HOOKED = """
import json, os, subprocess, sys
from course_utils.grading.launcher import install_audit_hook
root, deny, log = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
os.chdir(root)
install_audit_hook(root, deny, os.open(log, os.O_WRONLY | os.O_APPEND))
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "allowed"
    except PermissionError:
        results[name] = "refused"
attempt("write inside", lambda: open("inside.txt", "w").write("ok"))
attempt("write outside", lambda: open(sys.argv[4], "w").write("pwned"))
attempt("write via ..", lambda: open("../escape.txt", "w").write("pwned"))
attempt("read denied", lambda: open(deny[0] + "/bundle.json").read())
attempt("list denied", lambda: os.listdir(deny[0]))
attempt("read library", lambda: open(os.__file__).read())
attempt("symlink", lambda: os.symlink(deny[0], "link"))
attempt("subprocess", lambda: subprocess.run(["true"]))
attempt("kill parent", lambda: os.kill(os.getppid(), 0))
print(json.dumps(results))
"""


def test_audit_hook_refuses_and_logs(tmp_path) -> None:
    root, dist = tmp_path / "sandbox", tmp_path / "dist"
    root.mkdir()
    dist.mkdir()
    (dist / "bundle.json").write_text("{}", encoding="utf-8")
    log = tmp_path / "audit.log"
    log.touch()
    outside = tmp_path / "outside.txt"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(HOOKED), str(root), json.dumps([str(dist)]), str(log), str(outside)],
        capture_output=True,
        text=True,
        check=True,
    )
    results = json.loads(done.stdout)
    assert results == {
        "write inside": "allowed",
        "write outside": "refused",
        "write via ..": "refused",
        "read denied": "refused",
        "list denied": "refused",
        "read library": "allowed",
        "symlink": "refused",
        "subprocess": "refused",
        "kill parent": "refused",
    }
    assert not outside.exists() and not (tmp_path / "escape.txt").exists()
    logged = log.read_text(encoding="utf-8")
    assert f"writing outside the working folder: {outside}" in logged
    assert "reading the grader's files" in logged and "starting a process" in logged


def test_exit_codes_are_explained() -> None:
    assert "exited with code 3" in describe_exit(3)
    assert "CPU time limit" in describe_exit(-24)
    assert "killed" in describe_exit(-9)
    assert describe_exit(None) == "the kernel stopped responding"


@pytest.mark.slow
@pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and python_readable_by_others()),
    reason="needs root and a Python installation that other users can read",
)
def test_kernels_run_as_an_unprivileged_user(factory) -> None:
    import asyncio

    from course_utils.grading.runner import PlannedCell, run_notebook
    from course_utils.grading.sandbox import Limits

    sandbox = factory.create(slot=0)
    cells = [PlannedCell("uid", "import os\nassert os.getuid() != 0")]
    run = asyncio.run(run_notebook(cells, sandbox, Limits()))
    assert run.cells["uid"].status == "ok"
