"""Where else a learner opens a lab: Binder's environment and Colab's install cell, each
installed into a fresh virtual environment (from PyPI) and imported in a real kernel, and the
JupyterLab that the ``lab`` extra installs (jupyterlab-myst must be compatible with it).

The two install tests take minutes (they resolve the whole dependency tree): marker ``slow``, not
``jupyterlab``, so that ``pytest -m jupyterlab`` stays short.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import tomllib
from labtools import REPO_ROOT, load_prepare_labs

tool = load_prepare_labs()
PIP_TIMEOUT = 900


def lab_extra() -> list[str]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    return data["project"]["optional-dependencies"]["lab"]


def binder_requirements() -> list[str]:
    lines = (REPO_ROOT / "binder" / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.jupyterlab
def test_binder_requirements_are_the_lab_extra():
    assert binder_requirements() == lab_extra()
    assert "pip install" in (REPO_ROOT / "binder" / "postBuild").read_text()
    assert (REPO_ROOT / "binder" / "postBuild").stat().st_mode & 0o111, (
        "postBuild must be executable"
    )


@pytest.mark.jupyterlab
def test_jupyterlab_myst_is_compatible_with_the_installed_jupyterlab():
    """jupyterlab-myst 2.x needs @jupyter/ydoc 3; JupyterLab 4.6 ships 4 and lists it as not
    compatible. The lab extra keeps JupyterLab below 4.6."""
    listing = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    text = listing.stdout + listing.stderr
    assert "jupyterlab-myst" in text
    assert "not compatible" not in text, text


@pytest.mark.jupyterlab
def test_the_repository_url_is_set_once():
    """_config.yml names the repository; the launch buttons and every Colab cell use it."""
    repository = tool.read_repository(REPO_ROOT / "_config.yml")
    assert repository.url.startswith("https://github.com/") and "placeholder" not in repository.url
    for path in tool.find_notebooks(REPO_ROOT):
        if tool.is_lab(path, REPO_ROOT):
            text = path.read_text()
            assert repository.pip_url in text, f"{path}: Colab cell installs another URL"


def copy_repository(target: Path) -> Path:
    """The tracked files of the work tree (with their changes), as a git repository on main."""
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@t",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@t",
    )
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "snapshot"],
    ):
        subprocess.run(command, cwd=target, check=True, env=env, capture_output=True)
    return target


def fresh_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def pip(python: Path, *args: str, cwd: Path | None = None) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


def run_in_kernel(python: Path, code: str, timeout: float = PIP_TIMEOUT) -> str:
    """Run ``code`` in an ipykernel of ``python``; return its printed output (fail on error)."""
    import tempfile

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory() as kernels:
        spec = Path(kernels) / "fresh"
        spec.mkdir()
        argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "fresh", "language": "python"})
        )
        km = KernelManager(
            kernel_name="fresh",
            kernel_spec_manager=KernelSpecManager(
                kernel_dirs=[kernels], ensure_native_kernel=False
            ),
        )
        km.start_kernel(env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        kc = km.client()
        kc.start_channels()
        out: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        try:
            kc.wait_for_ready(timeout=120)
            reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


IMPORT_CHECK = (
    "import course_utils, course_utils.selfcheck as sc\n"
    "q = sc.show({'id': 'env', 'type': 'numeric', 'prompt': 'x?', 'answer': 2})\n"
    "q.answer = '2'\n"
    "print('IMPORTED', course_utils.__file__, q.correct)"
)


@pytest.mark.slow
def test_binder_environment_installs_and_imports_course_utils(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    python = fresh_venv(tmp_path / "binder-env")
    pip(python, "-r", str(repo / "binder" / "requirements.txt"))
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    post = subprocess.run(
        ["bash", str(repo / "binder" / "postBuild")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
    )
    assert post.returncode == 0, post.stderr[-3000:]
    out = run_in_kernel(python, IMPORT_CHECK, timeout=120)
    assert "IMPORTED" in out and str(tmp_path / "binder-env") in out and "True" in out
    listing = subprocess.run(
        [str(python), "-m", "jupyter", "server", "extension", "list"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "course_utils.selfcheck.jupyter" in listing.stdout + listing.stderr
    labext = subprocess.run(
        [str(python), "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "jupyterlab-myst" in labext.stdout + labext.stderr
    assert "not compatible" not in labext.stdout + labext.stderr


@pytest.mark.slow
def test_colab_install_cell_installs_and_imports_course_utils(tmp_path):
    """The lab's Colab cell, with the repository URL of a local clone, in a kernel that has
    ``google.colab`` loaded (as on Colab); the next cell imports the package."""
    repo = copy_repository(tmp_path / "repo")
    python = fresh_venv(tmp_path / "colab-env")
    pip(python, "ipykernel")
    # (a netloc: the pip of a fresh venv rejects git+file:/// URLs)
    cell = tool.colab_cell_source(tool.Repository(url=f"file://localhost{repo}", branch="main"))
    fake_colab = (
        "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    )
    # Anywhere else the cell does nothing: run first, in the venv without the package, it
    # leaves the package uninstalled.
    absent = "import importlib.util\nprint('NOOP', importlib.util.find_spec('course_utils'))"
    assert run_in_kernel(python, cell + "\n" + absent, timeout=60).strip() == "NOOP None"
    out = run_in_kernel(python, fake_colab + cell + "\n" + IMPORT_CHECK)
    assert "IMPORTED" in out and str(tmp_path / "colab-env") in out and "True" in out
