"""One submission graded against one exercise: the unit of work a cluster worker runs.

:func:`grade_submission` takes only picklable values (the autograder bundle's reference, the
submitted file's bytes and its path relative to the submissions folder, the limits) and returns
plain dicts, so any executor can run it: a Dask worker (:mod:`~course_utils.grading.cluster`),
a test, a future executor. Its body is deliberately thin: it reads the bytes as
:func:`~course_utils.grading.submissions.read_submission` reads a file, then runs the engine's
one-notebook step (:func:`~course_utils.grading.batch.grade_one`: rebuild, a kernel in its
bubblewrap sandbox, verdicts judged in this process, scoring).

What a worker process keeps between calls (the parsed exercise with its compiled tests and
reference run, one sandbox factory) lives in this module's caches; :func:`close_engines`
removes the sandboxes' base folders.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import itertools
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from course_utils.grading.assign import exercise_from_bundle_text
from course_utils.grading.batch import (
    CompiledExercise,
    GradingJob,
    _grader_error,
    compile_exercise,
    grade_one,
    run_coroutine,
)
from course_utils.grading.model import Exercise, ExerciseError
from course_utils.grading.sandbox import Limits, SandboxFactory
from course_utils.grading.scoring import PublicTest, QuestionResult
from course_utils.grading.submissions import Submission, read_submission

__all__ = [
    "BundleRef",
    "JobOptions",
    "close_engines",
    "grade_submission",
    "register_bundle",
    "result_from_dict",
    "submission_from_bytes",
]


@dataclass(frozen=True)
class BundleRef:
    """An autograder bundle: its exercise, its sha256 and where its bytes are.

    ``data`` carries the bytes; without it they come from a bundle registered in this process
    (:func:`register_bundle`, done once per worker) or from ``path`` on this machine.
    """

    exercise: str
    sha256: str
    data: bytes | None = field(default=None, repr=False, compare=False)
    path: str | None = None

    @classmethod
    def from_file(cls, path: Path, exercise: str, *, embed: bool = True) -> BundleRef:
        """The reference of the bundle file ``path`` (with its bytes if ``embed``)."""
        data = path.read_bytes()
        return cls(exercise, hashlib.sha256(data).hexdigest(), data if embed else None, str(path))

    def without_data(self) -> BundleRef:
        """The same reference, light enough to travel with every task."""
        return dataclasses.replace(self, data=None)

    def read(self) -> bytes:
        """The bundle's bytes, checked against ``sha256``."""
        data = self.data if self.data is not None else _BUNDLES.get(self.sha256)
        if data is None and self.path is not None and Path(self.path).is_file():
            data = Path(self.path).read_bytes()
        if data is None:
            raise ExerciseError(
                f"{self.path or self.exercise}: bundle {self.sha256[:12]} is not on this worker"
            )
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ExerciseError(
                f"{self.path or self.exercise}: bundle bytes do not match sha256 {self.sha256[:12]}"
            )
        return data


@dataclass(frozen=True)
class JobOptions:
    """How to grade: the kernel's limits, whether in the sandbox, and paths kernels may not read."""

    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    deny: tuple[str, ...] = ()


def grade_submission(
    bundle: BundleRef, data: bytes, relpath: str, options: JobOptions
) -> list[dict]:
    """Grade the file ``relpath`` (contents ``data``) against ``bundle``; the result rows as dicts.

    The dicts hold the fields of :class:`~course_utils.grading.scoring.QuestionResult`
    (``public_tests`` as dicts too); :func:`result_from_dict` turns one back.
    """
    exercise, compiled = _exercise(bundle)
    sub = submission_from_bytes(data, relpath, exercise.name)
    job = GradingJob(sub, exercise if sub.exercise == exercise.name else None)
    try:
        factory = _factory(options.deny, options.sandbox)
        run = grade_one(job, {exercise.name: compiled}, factory, _slot(), options.limits)
        results = run_coroutine(run)
    except Exception as exc:  # a grader bug must not lose the submission
        results = _grader_error(job, exc)
    return [dataclasses.asdict(r) for r in results]


def result_from_dict(row: dict) -> QuestionResult:
    """A result row returned by :func:`grade_submission`, as a ``QuestionResult`` again."""
    tests = [PublicTest(**t) for t in row.get("public_tests", [])]
    return QuestionResult(**{**row, "public_tests": tests})


def submission_from_bytes(data: bytes, relpath: str, exercise: str) -> Submission:
    """``data`` read as the file ``relpath`` of a submissions folder, for ``exercise``.

    The bytes go through :func:`~.submissions.read_submission` itself (from a private temporary
    copy, removed before any kernel starts), so a file is read exactly as a local run reads it.
    """
    parts = PurePosixPath(relpath).parts
    if not parts or PurePosixPath(relpath).is_absolute() or ".." in parts:
        raise ValueError(f"{relpath!r}: not a path inside the submissions folder")
    folder = Path(tempfile.mkdtemp(prefix="course-submission-"))
    try:
        path = folder.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sub = read_submission(path, folder, [exercise])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sub.path = Path(relpath)
    return sub


def exercise_from_bundle(data: bytes, path: str) -> Exercise:
    """The exercise of a bundle's bytes, checked as :func:`~.assign.load_bundles` checks a file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExerciseError(f"{path}: not a readable bundle (not UTF-8)") from None
    return exercise_from_bundle_text(text, Path(path))


def register_bundle(bundle: BundleRef) -> None:
    """Keep ``bundle``'s bytes in this process so that references without data resolve."""
    if bundle.data is None:
        raise ValueError(f"{bundle.exercise}: a bundle is registered with its bytes")
    _BUNDLES[bundle.sha256] = bundle.read()
    _exercise(bundle)  # parsed, compiled and its reference run done once per worker


def close_engines() -> None:
    """Remove this process's sandbox folders and forget its exercises."""
    with _LOCK:
        for factory in _FACTORIES.values():
            factory.close()
        _FACTORIES.clear()
        _EXERCISES.clear()


# --- what one process keeps between submissions ---------------------------------------------

_LOCK = threading.Lock()
_BUNDLES: dict[str, bytes] = {}
_EXERCISES: dict[str, tuple[Exercise, CompiledExercise]] = {}
_FACTORIES: dict[tuple[tuple[str, ...], bool], SandboxFactory] = {}
_SLOTS = itertools.count()
_THREAD = threading.local()


def _exercise(bundle: BundleRef) -> tuple[Exercise, CompiledExercise]:
    with _LOCK:
        if bundle.sha256 not in _EXERCISES:
            exercise = exercise_from_bundle(bundle.read(), bundle.path or f"{bundle.exercise}.json")
            _EXERCISES[bundle.sha256] = (exercise, compile_exercise(exercise))
        return _EXERCISES[bundle.sha256]


def _factory(deny: tuple[str, ...], sandbox: bool) -> SandboxFactory:
    with _LOCK:
        key = (deny, sandbox)
        if key not in _FACTORIES:
            _FACTORIES[key] = SandboxFactory(deny=[Path(p) for p in deny], isolated=sandbox)
        return _FACTORIES[key]


def _slot() -> int:
    """A parallel slot per thread (the sandbox gives each slot its own user id)."""
    if not hasattr(_THREAD, "slot"):
        _THREAD.slot = next(_SLOTS)
    return _THREAD.slot


atexit.register(close_engines)
