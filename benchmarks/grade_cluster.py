"""Benchmark (a script, not a test): ``course grade`` on Dask workers beside the local pool.

Generates N submissions of one exercise (as ``benchmarks/grade.py`` does), then, in this process:

1. grades them with the local pool (J kernels, default: the number of CPUs);
2. grades them on a LocalCluster of W worker processes (1 thread each), for each W of
   ``--workers`` (default 1,2): once on a fresh cluster (cold: cluster start, each
   worker's reference run of the exercise) and once more on the same cluster (warm: what a long-lived cluster gives);
3. measures Dask's own cost per task with a task that does no grading but carries the same
   payload (bundle reference, submission bytes, options) and returns rows of the same size, on a
   scheduler in its own process: wall time per task (many in flight; one at a time) and CPU time
   per task of the scheduler, of this client and of the workers (CPU time does not grow when
   other programs load the machine);
4. prints a scaling table: measured for W = 1, 2 here, and modelled for more workers, each on
   its own core:  rate(W) = min(W / t_nb, 1 / max(scheduler CPU, client CPU per task)), with
   t_nb a warm worker's wall time per notebook (Dask's round trip included).

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/grade_cluster.py [--n 40] [--jobs 2]
        [--workers 1,2] [--exercise exercises/ch01_know_thy_technology.ipynb]

On two cores W = 2 cannot beat the local pool (the same two cores, plus the scheduler); the
table shows what the per-task costs mean at 100 workers.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade import DEFAULT_EXERCISE, prepare  # noqa: E402  (benchmarks/grade.py)


def _echo(bundle, data: bytes, relpath: str, options, rows: list[dict]) -> list[dict]:
    """A task with the grading task's payload and result size that does no grading."""
    return rows


def _grade(dist: Path, subs: Path, out: Path, **kwargs) -> float:
    from course_utils.grading.grade import grade

    start = time.perf_counter()
    grade(dist, subs, out, progress=False, **kwargs)
    return time.perf_counter() - start


def _cpu() -> float:
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def _task_costs(subs: Path, dist: Path, exercise: str, tasks: int, work: Path) -> dict[str, float]:
    """Dask's cost per no-op task carrying the grading task's payload, on a separate scheduler.

    Seconds per task: ``flying`` (wall, many in flight), ``serial`` (wall, one round trip at a
    time), and the CPU time per task of the scheduler, the client and the workers. CPU time, unlike
    wall time, does not grow when other programs load the machine.
    """
    import subprocess

    import psutil
    from distributed import Client, wait

    from course_utils.grading.job import BundleRef, JobOptions

    ref = BundleRef.from_file(dist / "autograder" / f"{exercise}.json", exercise).without_data()
    path = sorted(subs.rglob("*.ipynb"))[0]
    data, relpath = path.read_bytes(), path.relative_to(subs).as_posix()
    rows = [
        {"student": "s", "exercise": exercise, "question": f"q{i}", "message": "x" * 200}
        for i in range(6)
    ]
    options = JobOptions()
    file = work / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(file),
        ],
        **quiet,
    )
    workers = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            "--scheduler-file",
            str(file),
            "--nthreads",
            "1",
            "--nworkers",
            "2",
            "--no-dashboard",
        ],
        **quiet,
    )
    try:
        for _ in range(600):
            if file.exists():
                break
            time.sleep(0.1)
        client = Client(scheduler_file=str(file))
        client.wait_for_workers(2, timeout=120)
        args = ([ref] * 20, [data] * 20, [relpath] * 20, [options] * 20, [rows] * 20)
        wait(client.map(_echo, *args, pure=False))
        sched, mine = psutil.Process(scheduler.pid), _cpu()
        before = sum(sched.cpu_times()[:2])
        on_workers = sum(client.run(_cpu).values())
        start = time.perf_counter()
        futures = [
            client.submit(_echo, ref, data, relpath, options, rows, pure=False)
            for _ in range(tasks)
        ]
        wait(futures)
        [f.result() for f in futures]
        flying = (time.perf_counter() - start) / tasks
        costs = {
            "flying": flying,
            "scheduler_cpu": (sum(sched.cpu_times()[:2]) - before) / tasks,
            "client_cpu": (_cpu() - mine) / tasks,
            "workers_cpu": (sum(client.run(_cpu).values()) - on_workers) / tasks,
        }
        del futures
        serial = max(20, tasks // 10)
        start = time.perf_counter()
        for _ in range(serial):
            client.submit(_echo, ref, data, relpath, options, rows, pure=False).result()
        costs["serial"] = (time.perf_counter() - start) / serial
        client.close()
        return costs
    finally:
        for process in (workers, scheduler):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercise", type=Path, default=DEFAULT_EXERCISE)
    parser.add_argument("--n", type=int, default=40, help="submissions to grade (default: 40)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="local pool kernels (default: CPUs)"
    )
    parser.add_argument(
        "--workers", default="1,2", help="LocalCluster sizes to measure (default: 1,2)"
    )
    parser.add_argument(
        "--noop-tasks", type=int, default=400, help="no-op tasks for the per-task cost"
    )
    args = parser.parse_args()
    sizes = [int(w) for w in args.workers.split(",")]

    from distributed import Client, LocalCluster

    from course_utils.grading.cluster import ClusterTarget

    work = Path(tempfile.mkdtemp(prefix="grade-cluster-benchmark-"))
    measured: dict[str, float] = {}
    try:
        dist, subs, _ = prepare(args.exercise.resolve(), args.n, work)
        measured["local pool"] = _grade(dist, subs, work / "local", workers=args.jobs)
        same = []
        for size in sizes:
            start = time.perf_counter()
            cluster = LocalCluster(
                n_workers=size,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
            started = time.perf_counter() - start
            target = ClusterTarget(scheduler=cluster.scheduler_address)
            cold = _grade(dist, subs, work / f"w{size}-cold", workers=1, cluster=target)
            warm = _grade(dist, subs, work / f"w{size}-warm", workers=1, cluster=target)
            measured[f"cluster {size} cold"] = started + cold
            measured[f"cluster {size} warm"] = warm
            measured[f"cluster {size} start"] = started
            same.append(
                (work / "local" / "gradebook.csv").read_bytes()
                == (work / f"w{size}-warm" / "gradebook.csv").read_bytes()
            )
            client.close()
            cluster.close()
        costs = _task_costs(subs, dist, args.exercise.stem, args.noop_tasks, work)
        _report(args, sizes, measured, costs, all(same))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _report(args, sizes: list[int], measured: dict[str, float], costs, same: bool) -> None:
    n = args.n
    print(f"\n{n} submissions of {args.exercise.stem}, {os.cpu_count()} CPUs\n")
    print(f"{'how':<44}{'seconds':>10}{'notebooks/s':>14}")
    rows = [(f"local pool ({args.jobs} kernels)", measured["local pool"])]
    for size in sizes:
        rows.append(
            (f"--cluster local:{size} (fresh: start + grade)", measured[f"cluster {size} cold"])
        )
        rows.append(("  same cluster again (warm workers)", measured[f"cluster {size} warm"]))
    for name, seconds in rows:
        print(f"{name:<44}{seconds:>10.1f}{n / seconds:>14.2f}")
    starts = ", ".join(f"{measured[f'cluster {s} start']:.1f} s ({s} workers)" for s in sizes)
    print(
        f"\ncluster start-up: {starts}; gradebook.csv identical to the local pool's: {'yes' if same else 'NO'}"
    )
    # seconds of one worker per notebook, from the warm run of the smallest cluster
    one = min(sizes)
    t_nb = measured[f"cluster {one} warm"] * one / n
    ceiling = 1 / max(costs["scheduler_cpu"], costs["client_cpu"])
    print(
        f"\nDask's cost per task (a no-op task with the same payload, separate scheduler process, "
        f"{args.noop_tasks} tasks):\n"
        f"  wall: {costs['flying'] * 1000:.1f} ms per task with many in flight, "
        f"{costs['serial'] * 1000:.1f} ms for one round trip at a time\n"
        f"  CPU:  scheduler {costs['scheduler_cpu'] * 1000:.2f} ms, this client {costs['client_cpu'] * 1000:.2f} ms, "
        f"workers {costs['workers_cpu'] * 1000:.2f} ms per task\n"
        f"  so one scheduler and one grading client sustain at most {ceiling:,.0f} tasks/s"
    )
    print(
        f"one worker grades a notebook in {t_nb:.2f} s (warm, {one} worker(s), Dask's round trip included)\n"
    )
    print(
        f"{'workers':>8}{'notebooks/s':>14}{'10,000 notebooks':>18}{'scheduler busy':>16}   source"
    )
    for workers in sorted({*sizes, 10, 100, 1000}):
        if workers in sizes:
            rate = n / measured[f"cluster {workers} warm"]
            source = "measured (warm)"
        else:
            rate = min(workers / t_nb, ceiling)
            source = "model: min(W / t_nb, ceiling), a core per worker"
        busy = min(1.0, rate * costs["scheduler_cpu"])
        print(f"{workers:>8}{rate:>14.2f}{10_000 / rate / 60:>15.1f} min{busy:>15.0%}   {source}")
    print(
        "\nThe model assumes each worker has its own core, as on a cluster; on this machine the workers,"
        "\nthe scheduler and this client share its cores (and whatever else runs on it)."
    )


if __name__ == "__main__":
    sys.exit(main())
