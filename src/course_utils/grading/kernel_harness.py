"""Kernel side of the test harness: the code that runs one test cell inside the student's kernel.

The grader never imports this module in the kernel. It sends the text of :func:`run_tests`
(renamed with the run's random token) followed by one call, in place of the test cell; see
:mod:`course_utils.grading.harness`. The function therefore

* starts from objects the student cannot replace (literals), checks that the built-in names
  it relies on are still the interpreter's own, and refuses to run if not;
* runs the test statements in a fresh namespace: a copy of the student's variables with the
  check helpers of :mod:`course_utils.grading.checks` (compiled afresh) laid on top, so
  redefining ``check_equal`` in an answer cell changes nothing;
* publishes one structured result, under a MIME type and the per-run token, through the
  kernel's display channel. Printed text is never read by the grader.

Integrity failures it cannot report otherwise end the cell with a ``KeyError`` whose message
starts with ``course-grade:`` (made without looking up any name), so the reply says ``error``.
"""


def run_tests(token, question, statements, checks_source, expected_builtins, mime):  # pragma: no cover - runs in the kernel
    """Run the ``statements`` of test cell ``question`` and publish the results (kernel side)."""
    the_type = (0).__class__.__class__
    builtin_fn = [].append.__class__
    dict_type = {}.__class__
    str_type = "".__class__
    tuple_type = ().__class__
    problems = []

    def replaced(namespace):
        bad = []
        for pair in expected_builtins:
            name = pair[0]
            obj = namespace.get(name)
            if pair[1] == "f":
                ok = the_type(obj) is builtin_fn and obj.__name__ == name
            else:
                ok = the_type(obj) is the_type and not obj.__flags__ & 512 and obj.__name__ == name
            if not ok:
                bad.append(name)
        return bad

    frame_builtins = (lambda: 0).__builtins__
    if the_type(frame_builtins) is not dict_type:
        {}["course-grade: tampered: __builtins__ was replaced"]
    bad = replaced(frame_builtins)
    if bad:
        {}["course-grade: tampered: built-in names replaced: " + ", ".join(bad[:5])]
    real_builtins = frame_builtins["len"].__self__.__dict__
    if real_builtins is not frame_builtins:
        bad = replaced(real_builtins)
        if bad:
            {}["course-grade: tampered: built-in names replaced: " + ", ".join(bad[:5])]
    sys = real_builtins["__import__"]("sys")
    module_type = the_type(frame_builtins["len"].__self__)
    if the_type(sys) is not module_type:
        {}["course-grade: tampered: sys module replaced"]
    for name in ("gettrace", "getprofile"):
        fn = sys.__dict__.get(name)
        if not (the_type(fn) is builtin_fn and fn.__self__ is sys and fn.__name__ == name):
            {}["course-grade: tampered: sys." + name + " replaced"]
    if sys.gettrace() is not None:
        problems.append("a trace function was set (sys.settrace)")
    if sys.getprofile() is not None:
        problems.append("a profile function was set (sys.setprofile)")

    shell = sys.modules["IPython"].get_ipython()
    if len(shell.ast_transformers) or len(shell.input_transformers_post):
        problems.append("IPython code transformers were installed")

    compile_ = real_builtins["compile"]
    exec_ = real_builtins["exec"]
    helpers = {"__builtins__": real_builtins, "__name__": "course_checks"}
    exec_(compile_(checks_source, "<course checks>", "exec"), helpers)
    namespace = dict_type((lambda: 0).__globals__)
    for name in helpers["__all__"]:
        namespace[name] = helpers[name]
    namespace["__course_assert__"] = helpers["_assert_true"]
    namespace["__course_compare__"] = helpers["_assert_compare"]
    namespace["__builtins__"] = real_builtins
    failure = helpers["CheckFailure"]
    args_of = BaseException.__dict__["args"].__get__

    def describe(exc, with_type):
        name = the_type(exc).__name__
        if the_type(name) is not str_type:
            name = "an exception"
        args = args_of(exc)
        text = ""
        if the_type(args) is tuple_type and len(args) == 1 and the_type(args[0]) is str_type:
            text = args[0][:500]
        if not with_type:
            return text
        return name + (": " + text if text else "")

    results = []
    stopped = ""
    for item in statements:
        kind = item[0]
        if stopped:
            results.append([kind, "not_run", stopped])
            continue
        try:
            exec_(compile_(item[1], "<test " + question + ">", "exec"), namespace)
        except failure as exc:
            results.append([kind, "failed", describe(exc, False)])
        except KeyboardInterrupt:
            results.append([kind, "interrupted", "interrupted: the time limit was reached"])
            stopped = "not run: an earlier test was interrupted"
        except BaseException as exc:
            results.append([kind, "error", describe(exc, True)])
        else:
            results.append([kind, "passed", ""])
    payload = {"token": token, "question": question, "results": results, "problems": problems}
    shell.display_pub.publish(data={mime: payload}, metadata={})
