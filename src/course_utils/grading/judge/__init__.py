"""The grader's side of the trust boundary: it decides every verdict, in its own process.

* :mod:`.statements` -- test cells as statements, and which names must come from the kernel;
* :mod:`.reference` -- the instructor's source run here, once per exercise: the lab tables,
  modules and helpers that tests compute expected values with;
* :mod:`.evaluate` -- one test cell judged on answers that left the kernel as data.
"""
