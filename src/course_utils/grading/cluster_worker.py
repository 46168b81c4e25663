"""The worker side of grading on a Dask cluster: the bundles plugin and the task.

Imported by the Dask workers (and by :mod:`~course_utils.grading.cluster` on the grader's
machine); needs ``distributed``. Each worker receives the bundles once, through
:class:`BundlePlugin` (the scheduler keeps the plugin and hands it to every worker that joins
later, a restarted one included); each task then carries a reference without the bytes.
"""

from __future__ import annotations

import dataclasses

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from course_utils.grading import job

__all__ = ["BundlePlugin", "grade_task"]


class BundlePlugin(WorkerPlugin):
    """Registers the run's autograder bundles in the worker process, once per worker."""

    def __init__(self, bundles: list[job.BundleRef]) -> None:
        self.bundles = bundles

    def setup(self, worker) -> None:
        for bundle in self.bundles:
            job.register_bundle(bundle)

    def teardown(self, worker) -> None:
        # Unregistered at the end of a run: the compiled exercises stay for the next run on this
        # (long-lived) worker. The worker closing: remove the sandboxes.
        if str(getattr(worker, "status", "")).lower().find("clos") >= 0:
            job.close_engines()


def grade_task(
    bundle: job.BundleRef, data: bytes, relpath: str, options: job.JobOptions
) -> list[dict]:
    """One Dask task: :func:`~course_utils.grading.job.grade_submission` on this worker.

    The worker's own scratch folder (where Dask may spill data) is added to what the kernel
    may not read.
    """
    try:
        scratch = (str(get_worker().local_directory),)
    except ValueError:  # not on a worker (called directly)
        scratch = ()
    options = dataclasses.replace(options, deny=tuple(sorted({*options.deny, *scratch})))
    return job.grade_submission(bundle, data, relpath, options)
