"""The OS sandbox of a kernel, tested directly: what code inside it can see, reach and outlive.

Each test runs Python inside a sandbox built exactly as for a kernel and lets it try the whole
class of an attack (walk every readable file, signal every visible process, connect anywhere,
leave a daemon behind); the assertions hold for anything the code could try, not for one trick.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import textwrap
import time

import psutil
import pytest

from course_utils.grading.runner import describe_exit
from course_utils.grading.sandbox import (
    INNER_UID,
    Limits,
    SandboxFactory,
    kernel_environment,
    readable_paths,
    sandbox_problem,
)

pytestmark = pytest.mark.trust

SECRET = "course-secret-7f3a9c"  # written into every folder the kernel must not see


@pytest.fixture
def secrets_dir(tmp_path):
    """dist/, submissions/ and grades/ as an instructor has them, each holding the secret."""
    for name in ("dist/autograder", "submissions/alice", "grades", "exercises"):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "secret.json").write_text(json.dumps({"hidden": SECRET}), encoding="utf-8")
    return tmp_path


@pytest.fixture
def factory(secrets_dir):
    if sandbox_problem():
        pytest.fail(f"the grading sandbox is not available here: {sandbox_problem()}")
    made = SandboxFactory(deny=[secrets_dir])
    yield made
    made.close()
    assert not made.base.exists()


def run_inside(
    factory: SandboxFactory, code: str, *, slot: int = 0, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``code`` with Python inside a fresh sandbox; its result."""
    sandbox = factory.create(slot)
    command = sandbox.kernel_command(["-c", textwrap.dedent(code)])
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=sandbox.work,
        env=kernel_environment(),
        preexec_fn=sandbox.preexec(Limits()),
        check=False,
    )


def test_the_sandbox_is_available_in_ci() -> None:
    """CI installs bubblewrap (.ci/ensure-bubblewrap): there, grading must be sandboxed."""
    if os.environ.get("CI"):
        assert sandbox_problem() == ""


def test_folders_and_environment(factory, monkeypatch) -> None:
    sandbox = factory.create(slot=0)
    for folder in (sandbox.work, sandbox.home, sandbox.tmp, sandbox.ipc):
        assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not sandbox.connection_file.is_relative_to(
        sandbox.root
    )  # the grader's copy stays outside
    monkeypatch.setenv("INSTRUCTOR_API_TOKEN", "secret")
    env = kernel_environment()
    assert "INSTRUCTOR_API_TOKEN" not in env and env["HOME"] == "/sandbox/home"
    assert env["PYTHONHASHSEED"] == "0"
    second = factory.create(slot=1)
    assert second.root != sandbox.root
    sandbox.remove()
    assert not sandbox.root.exists()


def test_identity_and_namespaces(factory) -> None:
    done = run_inside(
        factory,
        """
        import json, os, socket
        print(json.dumps({
            "uid": os.getuid(), "uid_map": open("/proc/self/uid_map").read().split(),
            "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "hostname": socket.gethostname(), "cwd": os.getcwd(),
            "caps": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0],
        }))
        """,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["uid"] == INNER_UID and seen["cwd"] == "/sandbox/work"
    inside, _outside, count = (int(x) for x in seen["uid_map"])
    assert inside == INNER_UID and count == 1  # one uid, nothing else mapped
    assert max(seen["pids"]) < 10  # its own PID namespace: no process of the machine is visible
    assert seen["hostname"] == "sandbox" and int(seen["caps"], 16) == 0


def test_the_kernel_is_an_unprivileged_user_of_the_machine(factory) -> None:
    """Seen from the machine (not from inside, where a nested user namespace maps 65534 to its
    own parent), the sandboxed process runs as a non-root uid, whether the grader runs as root
    (a uid of its own per sandbox) or as an ordinary user (that user's uid)."""
    marker = f"sandbox-identity-{os.getpid()}-{time.monotonic_ns()}"
    sandbox = factory.create(slot=0)
    command = sandbox.kernel_command(["-c", f"import time; time.sleep(20)  # {marker}"])
    process = subprocess.Popen(
        command,
        cwd=sandbox.work,
        env=kernel_environment(),
        preexec_fn=sandbox.preexec(Limits()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        found = []
        deadline = time.monotonic() + 15
        while not found and time.monotonic() < deadline:
            for proc in psutil.process_iter(["cmdline", "uids"]):
                cmdline = proc.info["cmdline"] or []
                if (
                    "-c" in cmdline
                    and any(marker in a for a in cmdline)
                    and "python" in os.path.basename(cmdline[0])
                ):
                    found.append(proc.info["uids"])
            time.sleep(0.1)
        assert found, f"the sandboxed python never started (exit {process.poll()})"
        for uids in found:
            assert 0 not in (uids.real, uids.effective, uids.saved), uids
            if os.geteuid() != 0:
                assert uids.real == os.geteuid(), uids  # no other uid without privilege
    finally:
        process.kill()
        process.wait(timeout=10)


def test_no_readable_file_holds_a_secret(factory, secrets_dir) -> None:
    """Walk every path the kernel can see (and /proc's views of other roots) and read it all --
    except the machine's system folders (/usr, /etc) and the Python installation, which are
    mounted read-only as they are and hold nothing of the course."""
    done = run_inside(
        factory,
        f"""
        import os, sys
        system = ("/usr", "/etc", "/proc", "/sys", "/dev", sys.base_prefix, sys.prefix)
        hits, files = [], 0
        starts = ["/", "/proc/self/root", "/proc/1/root", "/proc/2/root", "/proc/self/cwd/.."]
        for start in starts:
            for root, dirs, names in os.walk(start, followlinks=False):
                inner = root[len(start):] if start != "/" else root
                if (inner or "/").startswith(system):
                    dirs[:] = []
                    continue
                for name in names:
                    path = os.path.join(root, name)
                    try:
                        with open(path, "rb") as handle:
                            if {SECRET!r}.encode() in handle.read(4_000_000):
                                hits.append(path)
                        files += 1
                    except OSError:
                        pass
        for guess in [{str(secrets_dir)!r}, "/tmp", "/root", "/home", "/work"]:
            try:
                os.listdir(guess)
                hits.append("listed " + guess) if guess == {str(secrets_dir)!r} else None
            except OSError:
                pass
        print(files, hits)
        """,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    files, hits = done.stdout.split(" ", 1)
    assert int(files) > 20  # it did read the course package and its own folders
    assert hits.strip() == "[]"


def test_only_its_own_folders_are_writable(factory) -> None:
    name = f"x-written-{os.getpid()}-{time.monotonic_ns()}"
    done = run_inside(
        factory,
        f"""
        import os, sys, sysconfig
        written = []
        for folder in ["/", "/usr", "/etc", "/tmp", sys.prefix, sysconfig.get_paths()["purelib"],
                       os.path.dirname(__import__("course_utils").__file__),
                       "/sandbox/work", "/sandbox/home", "/sandbox/tmp"]:
            try:
                with open(os.path.join(folder, {name!r}), "w") as handle:
                    handle.write("x")
                written.append(folder)
            except OSError:
                pass
        print(sorted(written))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(["/sandbox/work", "/sandbox/home", "/sandbox/tmp"]))
    assert not os.path.exists(f"/tmp/{name}")  # /tmp inside is private (TMPDIR is /sandbox/tmp)


def test_no_network_at_all(factory) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        done = run_inside(
            factory,
            f"""
            import socket
            reached = []
            for host in ["127.0.0.1", "10.0.2.2", "1.1.1.1"]:
                try:
                    socket.create_connection((host, {port}), timeout=2).close()
                    reached.append(host)
                except OSError:
                    pass
            print(reached, sorted(i[1] for i in socket.if_nameindex()))
            """,
        )
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] ['lo']"


def test_no_process_outlives_its_sandbox(factory) -> None:
    """A double-forked, setsid daemon dies with the sandbox: the PID namespace takes it down."""
    sandbox = factory.create(slot=0)
    marker = f"daemon-{os.getpid()}-{time.monotonic_ns()}"
    code = textwrap.dedent(
        """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(600)
            os._exit(0)
        time.sleep(600)
        """
    )
    process = subprocess.Popen(
        sandbox.kernel_command(["-c", code, marker]),
        cwd=sandbox.work,
        env=kernel_environment(),
        preexec_fn=sandbox.preexec(Limits()),
    )

    def survivors() -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            if marker in " ".join(proc.info["cmdline"] or []) and proc.pid != process.pid:
                found.append(proc)
        return found

    deadline = time.monotonic() + 20
    while len(survivors()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(survivors()) >= 2  # the kernel and its daemon are running
    process.kill()  # what the grader does to a kernel
    process.wait()
    deadline = time.monotonic() + 10
    while survivors() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert survivors() == []


def test_other_sandboxes_cannot_be_reached(factory) -> None:
    """A second kernel's folders, sockets and processes are invisible to the first."""
    other = factory.create(slot=1)
    (other.ipc / "kernel.json").write_text(json.dumps({"key": SECRET}), encoding="utf-8")
    done = run_inside(
        factory,
        f"""
        import os, signal
        reachable = []
        for pid in range(1, 70000):
            try:
                os.kill(pid, 0)
                reachable.append(pid)
            except OSError:
                pass
        found = [p for p in [{str(other.ipc)!r}, {str(other.root)!r}, {str(factory.base)!r}] if os.path.exists(p)]
        print(max(reachable) < 10, found)
        """,
        slot=0,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True []"


def test_limits_hold_inside(factory) -> None:
    done = run_inside(
        factory,
        """
        try:
            block = bytearray(4 * 2**30)
            print("allocated")
        except MemoryError:
            print("refused")
        """,
    )
    assert done.stdout.strip() == "refused"


def test_paths_mounted_into_the_sandbox_hold_no_instructor_folder(secrets_dir) -> None:
    for path in readable_paths():
        assert not str(secrets_dir).startswith(path)


def test_exit_codes_are_explained() -> None:
    assert "CPU time limit" in describe_exit(-24)
    assert "killed" in describe_exit(137)  # bwrap reports 128 + the signal
    assert "code 3" in describe_exit(3)
    assert "stopped responding" in describe_exit(None)
