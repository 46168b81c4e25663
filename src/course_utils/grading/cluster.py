"""``course grade ... --scheduler ADDRESS`` / ``--cluster local:N``: grade on Dask distributed.

Each gradable submission becomes one Dask task running
:func:`~course_utils.grading.job.grade_submission` on a worker; everything else (reading the
folder, refusing files that cannot be graded, the reports) happens here exactly as in a local
run, so the CSV files are the same.

* The bundles travel once per worker (:class:`~.cluster_worker.BundlePlugin`); a task carries
  the bundle's sha256, the submission's bytes and its relative path.
* At most a window of tasks is in flight, so a class of 10,000 does not sit in the scheduler's
  memory; results stream back as they finish, with the progress bar.
* A worker that dies while grading has its task rescheduled by Dask up to
  ``distributed.scheduler.allowed-failures`` times (an exception escaping the task is retried
  :data:`RETRIES` times); then the file gets ``worker_lost`` rows. No file is ever missing.
* The scheduler address and TLS come from Dask's configuration (``scheduler-address``,
  ``distributed.comm.tls.*``); plain TCP to a non-loopback address is refused unless the
  instructor passes ``--allow-insecure-scheduler``.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

import course_utils
from course_utils.grading.batch import GradingJob
from course_utils.grading.job import BundleRef, JobOptions, result_from_dict
from course_utils.grading.sandbox import Limits
from course_utils.grading.scoring import QuestionResult, refused_results

__all__ = [
    "RETRIES",
    "WORKER_LOST",
    "ClusterError",
    "ClusterTarget",
    "check_scheduler_address",
    "grade_on_cluster",
    "parse_cluster",
    "resolve_target",
]

WORKER_LOST = "worker_lost"
GRADER_ERROR = "grader_error"
RETRIES = 2  # Dask retries of a task that raised (worker deaths: allowed-failures)
WINDOW_PER_THREAD = 4  # tasks in flight per worker thread (at least MIN_WINDOW)
MIN_WINDOW = 32
INSTALL_HINT = "pip install 'course-utils[cluster]'"

log = logging.getLogger(__name__)


class ClusterError(Exception):
    """The cluster cannot be used (address refused, not reachable, distributed missing)."""


@dataclass(frozen=True)
class ClusterTarget:
    """Where to grade: a scheduler's address, or a LocalCluster of ``local_workers`` processes."""

    scheduler: str | None = None
    local_workers: int | None = None
    allow_insecure: bool = False


def parse_cluster(spec: str) -> int:
    """The number of workers of ``--cluster local:N``."""
    kind, _, count = spec.partition(":")
    if kind != "local" or not count.isdigit() or int(count) < 1:
        raise ClusterError(
            f"--cluster {spec}: expected local:N with N >= 1 worker processes (e.g. local:4)"
        )
    return int(count)


def check_scheduler_address(address: str, allow_insecure: bool = False) -> None:
    """Refuse an unencrypted scheduler address that is not on this machine (loopback)."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address)
    except ValueError as exc:
        raise ClusterError(f"--scheduler {address}: not a Dask address ({exc})") from None
    if scheme in ("tls", "wss", "inproc"):
        return
    try:
        host, _ = parse_host_port(location)
    except ValueError as exc:
        raise ClusterError(f"--scheduler {address}: not a Dask address ({exc})") from None
    if _loopback(host) or allow_insecure:
        return
    raise ClusterError(
        f"--scheduler {address}: {scheme}:// to a non-loopback address is not encrypted or "
        "authenticated, so anyone who can reach the scheduler could run code on its workers; "
        "use tls:// with distributed.comm.tls.* set, or pass --allow-insecure-scheduler"
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def grade_on_cluster(
    jobs: list[GradingJob],
    target: ClusterTarget,
    *,
    limits: Limits,
    deny: list[Path],
    workers: int = 0,
    progress: bool = True,
    sandbox: bool = True,
    on_result: Callable[[list[QuestionResult]], None] | None = None,
) -> list[QuestionResult]:
    """Grade ``jobs`` on Dask workers; return all result rows (as :func:`~.batch.grade_notebooks`).

    ``workers`` (the local pool's size) is not used: the cluster's workers and threads decide.
    """
    client, cluster = _connect(target)
    run = secrets.token_hex(4)
    plugin_name = f"course-utils-bundles-{run}"
    results: list[QuestionResult] = []
    bar = tqdm(total=len(jobs), unit="nb", desc="grading", disable=not progress, leave=True)

    def done(rows: list[QuestionResult]) -> None:
        results.extend(rows)
        if on_result is not None:
            on_result(rows)
        bar.update(1)

    try:
        _check_versions(client)
        bundles = {
            e.name: BundleRef.from_file(e.path, e.name)
            for e in {id(j.exercise): j.exercise for j in jobs if j.exercise is not None}.values()
        }
        from course_utils.grading.cluster_worker import BundlePlugin

        client.register_plugin(BundlePlugin(list(bundles.values())), name=plugin_name)
        options = JobOptions(limits=limits, sandbox=sandbox, deny=tuple(str(p) for p in deny))
        gradable = []
        for job in jobs:
            sub = job.submission
            if sub.status is not None or job.exercise is None or sub.notebook is None:
                done(refused_results(sub, job.exercise, sandboxed=sandbox))
            else:
                gradable.append(job)
        _stream(client, gradable, bundles, options, run, done)
    finally:
        bar.close()
        _disconnect(client, cluster, plugin_name)
    return results


def _stream(
    client, jobs: list[GradingJob], bundles: dict[str, BundleRef], options, run: str, done
) -> None:
    from distributed import as_completed

    from course_utils.grading.cluster_worker import grade_task

    threads = sum(client.nthreads().values())
    window = max(MIN_WINDOW, WINDOW_PER_THREAD * threads)
    pending = iter(enumerate(jobs))
    by_key: dict[str, tuple[GradingJob, object]] = {}

    def submit():
        while True:
            index, job = next(pending, (None, None))
            if job is None:
                return None
            try:
                data = job.submission.path.read_bytes()
                break
            except (
                OSError
            ) as exc:  # gone or unreadable since the folder was read: a row, not a crash
                done(
                    _status_rows(
                        job,
                        GRADER_ERROR,
                        f"'{job.submission.relative}': cannot be read again ({exc})",
                    )
                )
        sub = job.submission
        key = f"course-grade-{run}-{index:06d}-{sub.relative}"
        future = client.submit(
            grade_task,
            bundles[job.exercise.name].without_data(),
            data,
            sub.relative,
            options,
            key=key,
            pure=False,
            retries=RETRIES,
        )
        by_key[key] = (job, future)
        return future

    flying = as_completed([f for f in (submit() for _ in range(window)) if f is not None])
    try:
        for future in flying:
            job, _ = by_key.pop(future.key)
            done(_collect(future, job))
            future.release()
            follow = submit()
            if follow is not None:
                flying.add(follow)
    except BaseException:  # Ctrl-C or a lost scheduler: stop the rest, keep what was graded
        flying.clear()
        client.cancel([future for _, future in by_key.values()], force=True)
        raise


def _collect(future, job: GradingJob) -> list[QuestionResult]:
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        return [result_from_dict(row) for row in future.result()]
    except KilledWorker as exc:
        key, worker, allowed = (list(exc.args) + [None, None, None])[:3]
        tries = (allowed if isinstance(allowed, int) else 0) + 1
        return _status_rows(
            job,
            WORKER_LOST,
            f"not graded: the Dask worker grading this file died {tries} time(s) (last: {worker}); "
            "see the worker logs",
        )
    except FutureCancelledError as exc:
        return _status_rows(job, WORKER_LOST, f"not graded: the task was cancelled ({exc})")
    except Exception as exc:  # raised on the worker outside grade_submission's own guard
        return _status_rows(
            job, GRADER_ERROR, f"internal grader error on a worker {type(exc).__name__}: {exc}"
        )


def _status_rows(job: GradingJob, status: str, message: str) -> list[QuestionResult]:
    sub = job.submission
    sub.status, sub.message = status, message
    return refused_results(sub, job.exercise)


def resolve_target(target: ClusterTarget) -> ClusterTarget:
    """``target`` with its scheduler address settled (Dask's configuration) and checked."""
    try:
        import dask
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(
            f"grading on a Dask cluster needs 'distributed': {INSTALL_HINT}"
        ) from None
    if target.local_workers is not None:
        return target
    address = target.scheduler or dask.config.get("scheduler-address", None)
    if not address:
        raise ClusterError(
            "--scheduler: no address given and none in the Dask configuration (scheduler-address)"
        )
    check_scheduler_address(address, target.allow_insecure)
    return replace(target, scheduler=address)


def _connect(target: ClusterTarget):
    from distributed import Client, LocalCluster

    target = resolve_target(target)
    if target.local_workers is not None:
        cluster = LocalCluster(
            n_workers=target.local_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster
    try:
        return Client(target.scheduler), None
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ClusterError(
            f"--scheduler {target.scheduler}: cannot connect ({type(exc).__name__}: {exc})"
        ) from None


def _disconnect(client, cluster, plugin_name: str) -> None:
    try:
        client.unregister_worker_plugin(plugin_name)
    except Exception as exc:  # the workers may be gone already
        log.debug("unregistering %s: %s", plugin_name, exc)
    client.close()
    if cluster is not None:
        cluster.close()


def _check_versions(client) -> None:
    """Workers must run this grader's version: otherwise the grades could differ."""
    versions = client.run(_version)
    wrong = {worker: v for worker, v in versions.items() if v != course_utils.__version__}
    if wrong:
        worker, version = sorted(wrong.items())[0]
        raise ClusterError(
            f"worker {worker}: runs course-utils {version}, this grader {course_utils.__version__}; "
            "install the same version on every worker"
        )


def _version() -> str:
    import course_utils as package

    return package.__version__
