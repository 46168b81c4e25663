"""``course grade`` on a real Dask LocalCluster: the same CSVs as the local pool, nothing lost.

* a small hostile class (two exercises) graded by the local pool and by ``--cluster local:2``:
  the same gradebook and feedback, byte for byte, and the same results.csv except its
  ``runtime_s`` column (wall time, which differs between any two runs, local ones too);
* a worker killed (SIGKILL, from the test) while it grades a submission: the task is rescheduled
  on the other worker and graded, or -- with ``allowed-failures`` 0 -- the file gets
  ``worker_lost`` rows; every file is in the results;
* an unencrypted scheduler on a non-loopback address is refused in one line.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from grading.notebooks import solved

from course_utils.grading.cluster import (
    ClusterError,
    ClusterTarget,
    check_scheduler_address,
    parse_cluster,
)
from course_utils.grading.grade import grade
from course_utils.grading.job import BundleRef, JobOptions, grade_submission, result_from_dict
from course_utils.grading.sandbox import Limits

from .conftest import LIMIT_FLAGS, slow_notebook

pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

COURSE = [sys.executable, "-m", "course_utils.cli"]
LIMITS = Limits(cell_timeout=6, notebook_timeout=60, memory_mb=1024, max_output_chars=10_000)


def _course(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COURSE, *args], capture_output=True, text=True, timeout=300, check=False
    )


def _mask(text: str) -> str:
    """Nothing is masked: apart from runtime_s, the engine reproduces every byte (the truncation
    message names no count, sandbox paths never reach a message, a kernel cannot signal by pid)."""
    return text


def _without_runtime(path: Path) -> str:
    """results.csv with the runtime_s column (wall time) blanked and RUN_SPECIFIC masked."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    column = rows[0].index("runtime_s")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([*row[:column], "", *row[column + 1 :]] if row is not rows[0] else row)
    return _mask(out.getvalue())


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): _mask(p.read_text(encoding="utf-8"))
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_runs(course: Path, hostile_class: Path) -> tuple[Path, Path, subprocess.CompletedProcess]:
    dist = str(course / "dist")
    local = _course(
        "grade",
        dist,
        str(hostile_class),
        "--out",
        str(course / "local"),
        "--jobs",
        "2",
        *LIMIT_FLAGS,
    )
    assert local.returncode == 0, local.stderr
    remote = _course(
        "grade",
        dist,
        str(hostile_class),
        "--out",
        str(course / "remote"),
        "--cluster",
        "local:2",
        *LIMIT_FLAGS,
    )
    assert remote.returncode == 0, remote.stderr
    return course / "local", course / "remote", remote


def test_cluster_csvs_identical_to_the_local_pool(two_runs) -> None:
    local, remote, done = two_runs
    assert (local / "gradebook.csv").read_bytes() == (remote / "gradebook.csv").read_bytes()
    assert _without_runtime(local / "results.csv") == _without_runtime(remote / "results.csv")
    assert _files(local / "feedback") == _files(remote / "feedback")
    assert "/course-grade-" not in (remote / "results.csv").read_text()  # no sandbox path leaks
    assert "grading: 100%" in done.stderr  # the same progress bar


def test_the_hostile_class_is_graded_as_locally(two_runs, hostile_class: Path) -> None:
    _, remote, _ = two_runs
    results = pd.read_csv(remote / "results.csv", keep_default_na=False)
    files = sorted(
        p.relative_to(hostile_class).as_posix() for p in hostile_class.rglob("*") if p.is_file()
    )
    assert sorted(results["file"].unique()) == files  # every file, the refused ones too
    results = results[~results["file"].str.contains(".ipynb_checkpoints", regex=False)]
    status = results.groupby("student")["status"].agg(lambda s: sorted(set(s))).to_dict()
    points = results.groupby("student")["points"].sum().to_dict()
    assert points["good"] == 5 and status["good"] == ["ok"]
    assert points["ada"] == results[results["student"] == "ada"]["max_points"].sum() > 0
    assert points["ben"] == 0 and 0 < points["cy"] < points["ada"]
    assert "timeout" in status["infinite_loop"] and "kernel_died" in status["os_exit"]
    assert status["invalid_json"] == ["invalid_notebook"] and status["README"] == ["not_a_notebook"]
    assert (
        points["read_hidden"] == 4 and points["forge_result"] == 3
    )  # the hidden tests stayed hidden
    # its parent is a PID namespace's init, which ignores the kill: nothing happens
    assert status["kill_grader"] == ["ok"] and points["kill_grader"] == 5


def test_grade_submission_returns_the_local_rows(course: Path, tiny_student) -> None:
    """The job function alone (as a worker runs it), on bytes: rows as plain dicts."""
    ref = BundleRef.from_file(course / "dist" / "autograder" / "tiny.json", "tiny")
    data = nbformat.writes(solved(tiny_student)).encode()
    rows = grade_submission(ref, data, "zoe/tiny.ipynb", JobOptions(limits=LIMITS))
    assert [(r["student"], r["question"], r["status"], r["points"]) for r in rows] == [
        ("zoe", "q1-total", "ok", 1.0),
        ("zoe", "q2-by-region", "ok", 2.0),
        ("zoe", "q3-share", "ok", 2.0),
    ]
    assert result_from_dict(rows[0]).row()["file"] == "zoe/tiny.ipynb"
    tampered = BundleRef(ref.exercise, "0" * 64, ref.data)
    with pytest.raises(Exception, match="do not match sha256"):
        grade_submission(tampered, data, "zoe/tiny.ipynb", JobOptions(limits=LIMITS))


# --- a worker killed mid-task ---------------------------------------------------------------


def _small_class(course: Path, tiny_student, name: str) -> Path:
    folder = course / name
    for student, nb in (
        ("a_good", solved(tiny_student)),
        ("b_blank", tiny_student),
        ("slow", slow_notebook(tiny_student)),
    ):
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / "tiny.ipynb")
    return folder


def _grade_and_kill(
    client, cluster, course: Path, folder: Path, out: Path
) -> tuple[pd.DataFrame, int]:
    """Grade ``folder`` on ``cluster`` in a thread; SIGKILL the worker while it runs slow/ alone."""
    outcome: dict = {}

    def run() -> None:
        try:
            target = ClusterTarget(scheduler=cluster.scheduler_address)
            outcome["done"] = grade(
                course / "dist",
                folder,
                out,
                workers=1,
                limits=LIMITS,
                progress=False,
                cluster=target,
            )
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    killed = 0
    deadline = time.monotonic() + 90
    while thread.is_alive() and not killed and time.monotonic() < deadline:
        executing = client.run(
            lambda dask_worker: [str(ts.key) for ts in dask_worker.state.executing]
        )
        for address, keys in executing.items():
            queued = [str(k) for k in client.processing().get(address, [])]
            if len(keys) == 1 and "slow/" in keys[0] and queued == keys:
                killed = client.run(os.getpid, workers=[address])[address]
                os.kill(killed, signal.SIGKILL)
                break
        time.sleep(0.1)
    thread.join(timeout=120)
    assert not thread.is_alive() and "error" not in outcome, outcome.get("error")
    assert killed, "the slow submission was never seen running alone on a worker"
    return outcome["done"].results, killed


def test_a_killed_worker_task_is_retried_on_another_worker(
    local_cluster, course: Path, tiny_student
) -> None:
    cluster, client = local_cluster
    folder = _small_class(course, tiny_student, "retried")
    results, killed = _grade_and_kill(client, cluster, course, folder, course / "retried-grades")
    assert sorted(results["file"].unique()) == [
        "a_good/tiny.ipynb",
        "b_blank/tiny.ipynb",
        "slow/tiny.ipynb",
    ]
    slow = results[results["student"] == "slow"]
    assert (
        list(slow["status"]) == ["ok"] * 3 and slow["points"].sum() == 5
    )  # graded again, elsewhere
    client.wait_for_workers(2, timeout=60)
    assert killed not in client.run(os.getpid).values()  # the nanny restarted the killed worker


def test_a_task_whose_worker_dies_too_often_is_worker_lost(
    local_cluster, course: Path, tiny_student
) -> None:
    cluster, client = local_cluster
    client.wait_for_workers(2, timeout=60)

    def allow(dask_scheduler, n: int) -> int:
        before, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, n
        return before

    before = client.run_on_scheduler(allow, n=0)
    try:
        folder = _small_class(course, tiny_student, "lost")
        results, _ = _grade_and_kill(client, cluster, course, folder, course / "lost-grades")
    finally:
        client.run_on_scheduler(allow, n=before)
    assert sorted(results["file"].unique()) == [
        "a_good/tiny.ipynb",
        "b_blank/tiny.ipynb",
        "slow/tiny.ipynb",
    ]
    slow = results[results["student"] == "slow"]
    assert list(slow["status"]) == ["worker_lost"] * 3 and slow["points"].sum() == 0
    assert "died 1 time(s)" in slow["message"].iloc[0]
    assert results[results["student"] == "a_good"]["points"].sum() == 5


# --- where the scheduler may be -------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["tcp://10.1.2.3:8786", "192.0.2.7:8786", "tcp://[2001:db8::1]:8786"]
)
def test_plain_tcp_to_another_machine_is_refused(address: str) -> None:
    with pytest.raises(ClusterError, match="--allow-insecure-scheduler"):
        check_scheduler_address(address)
    check_scheduler_address(address, allow_insecure=True)


@pytest.mark.parametrize(
    "address", ["tls://10.1.2.3:8786", "tcp://127.0.0.1:8786", "localhost:8786", "tcp://[::1]:8786"]
)
def test_tls_or_loopback_is_accepted(address: str) -> None:
    check_scheduler_address(address)


def test_the_refusal_is_one_line_before_any_connection(tmp_path: Path, capsys) -> None:
    from course_utils.cli import main

    missing = tmp_path / "no-dist"  # refused before the bundles or the submissions are read
    status = main(
        ["grade", str(missing), str(tmp_path / "subs"), "--scheduler", "tcp://10.1.2.3:8786"]
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(lines) == 1
    assert lines[0].startswith("course grade: error: --scheduler tcp://10.1.2.3:8786: ")
    assert "--allow-insecure-scheduler" in lines[0]


def test_bad_cluster_spec() -> None:
    assert parse_cluster("local:3") == 3
    for spec in ("local", "local:0", "slurm:4", "local:x"):
        with pytest.raises(ClusterError, match=f"--cluster {spec}: expected local:N"):
            parse_cluster(spec)


def test_tls_settings_come_from_the_dask_configuration(
    course: Path, tiny_student, tmp_path: Path
) -> None:
    """A TLS-only LocalCluster: graded with the certificates from dask.config; refused without."""
    import logging

    import dask
    from distributed import LocalCluster, Security

    folder = tmp_path / "subs"
    (folder / "zoe").mkdir(parents=True)
    nbformat.write(solved(tiny_student), folder / "zoe" / "tiny.ipynb")
    security = Security.temporary()
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,  # the worker in this process: quicker; the TLS path is the same
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        security=security,
        silence_logs=logging.CRITICAL,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        target = ClusterTarget(scheduler=address)
        with pytest.raises(ClusterError, match=f"--scheduler {address}: cannot connect"):
            grade(
                course / "dist",
                folder,
                tmp_path / "none",
                workers=1,
                limits=LIMITS,
                progress=False,
                cluster=target,
            )
        settings = {
            "distributed.comm.tls.ca-file": security.tls_ca_file,
            "distributed.comm.tls.client.cert": security.tls_client_cert,
            "distributed.comm.tls.client.key": security.tls_client_key,
            "distributed.comm.require-encryption": True,
        }
        with dask.config.set(settings):
            outcome = grade(
                course / "dist",
                folder,
                tmp_path / "g",
                workers=1,
                limits=LIMITS,
                progress=False,
                cluster=target,
            )
    assert outcome.results["points"].sum() == 5 and set(outcome.results["status"]) == {"ok"}


def test_the_address_may_come_from_the_dask_configuration() -> None:
    import dask

    from course_utils.grading.cluster import resolve_target

    with dask.config.set({"scheduler-address": "tls://10.1.2.3:8786"}):
        assert resolve_target(ClusterTarget(scheduler="")).scheduler == "tls://10.1.2.3:8786"
    with (
        dask.config.set({"scheduler-address": "tcp://10.1.2.3:8786"}),
        pytest.raises(ClusterError, match="tcp://"),
    ):
        resolve_target(ClusterTarget(scheduler=""))
    with (
        dask.config.set({"scheduler-address": None}),
        pytest.raises(ClusterError, match="no address given"),
    ):
        resolve_target(ClusterTarget(scheduler=""))
