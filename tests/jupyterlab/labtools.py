"""Helpers for the lab tests: a real JupyterLab 4 (and Notebook 7) on 127.0.0.1, driven by Debian chromium through Playwright.

One server per xdist worker: its own temporary root, settings, workspaces, runtime and IPython
folders; a random token; a free port; stopped by its process id at teardown. Every page records
the requests it makes; a request to any host but 127.0.0.1 is blocked and fails the test.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = REPO_ROOT / "tools"
LOCAL_HOSTS = {"127.0.0.1"}
SERVER_CONFIG = REPO_ROOT / "jupyter-config" / "jupyter_server_config.d" / "course_utils.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A running ``jupyter lab`` process with its URLs and folders."""

    def __init__(self, base: Path) -> None:
        self.root = base / "root"
        self.root.mkdir(parents=True)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = base / "jupyter-lab.log"
        env = dict(os.environ)
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (base / sub).mkdir()
            env[name] = str(base / sub)
        env["OMP_NUM_THREADS"] = "1"
        # The server extension the package ships (an editable install does not copy its
        # etc/jupyter file): self-check outputs are saved without their widget views.
        server_d = base / "config" / "jupyter_server_config.d"
        server_d.mkdir()
        (server_d / "course_utils.json").write_bytes(SERVER_CONFIG.read_bytes())
        # No news or update pop-ups over the notebook.
        notes = base / "settings" / "@jupyterlab" / "apputils-extension"
        notes.mkdir(parents=True)
        (notes / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        # Every cell drawn at once (JupyterLab 4 draws only the cells in view by default).
        tracker = base / "settings" / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True)
        (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        env.pop("JUPYTER_PATH", None)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--LabApp.expose_app_in_browser=True",
                "--JupyterNotebookApp.expose_app_in_browser=True",
                "--LabApp.news_url=",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
                "--ServerApp.open_browser=False",
                "--ServerApp.allow_root=True",
            ],
            cwd=self.root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.api("status"), timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer in {timeout} s:\n{self.log()}")

    def api(self, path: str) -> str:
        return f"{self.url}api/{path}?token={self.token}"

    def lab(self, notebook: str) -> str:
        return f"{self.url}lab/tree/{notebook}?reset&token={self.token}"

    def notebook7(self, notebook: str) -> str:
        return f"{self.url}notebooks/{notebook}?token={self.token}"

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def shutdown_kernels(self) -> None:
        """Stop every kernel (between tests) through the REST API."""
        with urllib.request.urlopen(self.api("sessions"), timeout=5) as resp:
            sessions = json.load(resp)
        for session in sessions:
            request = urllib.request.Request(self.api(f"sessions/{session['id']}"), method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        """Stop the server by its process id (its process group: the kernels too)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


class Traffic:
    """Every request a page made; requests to other hosts are blocked and listed."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []

    def handle(self, route) -> None:  # noqa: ANN001
        url = route.request.url
        self.urls.append(url)
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def websocket(self, ws) -> None:  # noqa: ANN001
        if urlparse(ws.url).hostname not in LOCAL_HOSTS:
            self.outside.append(ws.url)


def load_prepare_labs():
    """The notebook preparation tool (tools/prepare_labs.py) as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("prepare_labs", TOOLS / "prepare_labs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("prepare_labs", module)
    spec.loader.exec_module(module)
    return module


KERNEL_JS = "jupyterapp.shell.currentWidget.sessionContext.session.kernel"


class LabPage:
    """One notebook open in JupyterLab (or Notebook 7), with its kernel reachable from the test."""

    def __init__(self, page, server: LabServer) -> None:  # noqa: ANN001
        self.page = page
        self.server = server

    def open(self, notebook: str, *, notebook7: bool = False) -> LabPage:
        self.page.goto(self.server.notebook7(notebook) if notebook7 else self.server.lab(notebook))
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        self.wait_idle()
        return self

    def wait_idle(self, timeout: float = 60_000) -> None:
        probe = (
            f"(() => {{ try {{ const k = {KERNEL_JS}; return [k.connectionStatus, k.status]; }}"
            " catch (e) { return String(e); } })()"
        )
        try:
            self.page.wait_for_function(
                f"(() => {{ const s = {probe}; return s[0] === 'connected' && s[1] === 'idle'; }})()",
                timeout=timeout,
            )
        except Exception as exc:
            raise AssertionError(f"kernel not idle: {self.page.evaluate(probe)}") from exc

    def command(self, name: str) -> None:
        self.page.evaluate("name => jupyterapp.commands.execute(name)", name)

    def run_all(self, widgets: int) -> None:
        """Run every cell and wait until ``widgets`` live self-checks are drawn."""
        self.command("notebook:run-all-cells")
        self.page.wait_for_function(
            "n => document.querySelectorAll('.jp-OutputArea .selfcheck .sc-check').length >= n",
            arg=widgets,
            timeout=60_000,
        )
        self.wait_idle()
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-OutputArea .selfcheck[data-ready]')]"
            ".every(e => +e.dataset.done >= 1)"
        )

    def kernel(self, code: str) -> str:
        """Run ``code`` in the notebook's kernel (not in a cell); return what it printed."""
        return self.page.evaluate(
            """async code => {
                 const k = KERNEL;
                 const future = k.requestExecute({code, store_history: false});
                 let out = "";
                 future.onIOPub = m => {
                   if (m.header.msg_type === "stream") out += m.content.text;
                   if (m.header.msg_type === "error") out += "ERROR " + m.content.ename + ": " + m.content.evalue;
                 };
                 await future.done;
                 return out;
               }""".replace("KERNEL", KERNEL_JS),
            code,
        )

    def restart_kernel(self) -> None:
        """Restart the kernel as Kernel > Restart does (without its dialog); wait until idle."""
        self.page.evaluate(f"async () => {{ await {KERNEL_JS}.restart(); }}")
        self.wait_idle()

    def save(self) -> None:
        self.command("docmanager:save")
        self.page.wait_for_function(
            "() => !jupyterapp.shell.currentWidget.context.model.dirty", timeout=20_000
        )

    def text(self) -> str:
        """Everything the notebook shows, as text."""
        return self.page.inner_text(".jp-Notebook")

    def outputs(self) -> str:
        """What the cells' outputs show, as text."""
        return "\n".join(self.page.locator(".jp-OutputArea").all_inner_texts())
