"""Type-checked test helpers for exercise test cells.

Test cells call these helpers; each returns ``None`` when the check holds and raises
:class:`CheckFailure` (an ``AssertionError``) with a message saying what was expected otherwise::

    from course_utils.grading.checks import check_equal, check_true
    check_equal(top_year, 2024)
    check_equal(shares, expected_frame, ignore_index=True)

Every comparison checks types before values: the student's object must be a genuine ``int``,
``float``, ``str``, ``list``, ``DataFrame``... (numpy scalars count as numbers), never a subclass,
so an object whose ``__eq__`` always answers ``True`` earns nothing. No code of the student's
objects is run while comparing.

When grading, these helpers run in the grader's own process (:mod:`course_utils.grading.judge`),
on answers that left the student's kernel as data; they are never executed inside a kernel.
"""

from __future__ import annotations

import sys

__all__ = [
    "CheckFailure",
    "check_close",
    "check_columns",
    "check_equal",
    "check_false",
    "check_true",
    "check_type",
]

_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: set on every class defined in Python code
_SHOW = 60  # longest value shown in a message


class CheckFailure(AssertionError):
    """A check in a test cell failed; the message says what was expected and what was found."""


def check_equal(
    actual: object,
    expected: object,
    *,
    rel: float = 1e-6,
    abs: float = 1e-9,
    ignore_index: bool = False,
    name: str = "value",
) -> None:
    """Check that ``actual`` has the type of ``expected`` and an equal value.

    Numbers compare with a relative (``rel``) and absolute (``abs``) tolerance and ``int`` and
    ``float`` may stand for each other; containers compare item by item; DataFrames and Series
    compare columns, row labels (unless ``ignore_index``) and values.
    """
    problem = _mismatch(actual, expected, name, rel, abs, ignore_index)
    if problem is not None:
        raise CheckFailure(problem)


def check_close(
    actual: object,
    expected: object,
    *,
    rel: float = 1e-2,
    abs: float = 0.0,
    name: str = "value",
) -> None:
    """Like :func:`check_equal` with a looser default tolerance (1 %) for rounded numbers."""
    check_equal(actual, expected, rel=rel, abs=abs, name=name)


def check_type(
    actual: object, expected_type: type | tuple[type, ...], *, name: str = "value"
) -> None:
    """Check that ``actual`` is exactly of ``expected_type`` (numpy numbers count as int/float)."""
    wanted = expected_type if type(expected_type) is tuple else (expected_type,)
    if not any(_is_type(actual, t) for t in wanted):
        names = " or ".join(t.__name__ for t in wanted)
        raise CheckFailure(f"{name}: expected {_article(names)}, got {_kind(actual)}")


def check_true(condition: object, message: str = "the condition is not true") -> None:
    """Check that ``condition`` is the boolean ``True`` (a genuine ``bool``, not a look-alike)."""
    if not _is_bool(condition):
        raise CheckFailure(f"{message}: expected True or False, got {_kind(condition)}")
    if not bool(condition):
        raise CheckFailure(message)


def check_false(condition: object, message: str = "the condition is not false") -> None:
    """Check that ``condition`` is the boolean ``False``."""
    if not _is_bool(condition):
        raise CheckFailure(f"{message}: expected True or False, got {_kind(condition)}")
    if bool(condition):
        raise CheckFailure(message)


def check_columns(frame: object, columns: list[str], *, name: str = "table") -> None:
    """Check that ``frame`` is a DataFrame holding (at least) the given columns."""
    pd = sys.modules.get("pandas")
    if pd is None or type(frame) is not pd.DataFrame:
        raise CheckFailure(f"{name}: expected a DataFrame, got {_kind(frame)}")
    present = list(frame.columns)
    missing = [
        c for c in columns if not any(_mismatch(p, c, "", 0, 0, False) is None for p in present)
    ]
    if missing:
        raise CheckFailure(f"{name}: missing column(s) {', '.join(repr(c) for c in missing)}")


# --- comparisons -------------------------------------------------------------------------


def _mismatch(actual, expected, path, rel, abs_, ignore_index):
    """Return why ``actual`` differs from ``expected`` (``None`` if equal)."""
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if expected is None:
        return None if actual is None else f"{path}: expected None, got {_kind(actual)}"
    if _is_bool(expected):
        if not _is_bool(actual):
            return f"{path}: expected True or False, got {_kind(actual)}"
        return (
            None
            if bool(actual) == bool(expected)
            else f"{path}: expected {bool(expected)}, got {bool(actual)}"
        )
    if _is_number(expected):
        if not _is_number(actual):
            return f"{path}: expected a number, got {_kind(actual)}"
        return _number_mismatch(actual, expected, path, rel, abs_)
    if _is_str(expected):
        if not _is_str(actual):
            return f"{path}: expected a string, got {_kind(actual)}"
        return (
            None
            if str(actual) == str(expected)
            else f"{path}: expected {_show(expected)}, got {_show(actual)}"
        )
    if type(expected) in (list, tuple):
        if type(actual) is not type(expected):
            return f"{path}: expected {_article(type(expected).__name__)}, got {_kind(actual)}"
        if len(actual) != len(expected):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            problem = _mismatch(a, e, f"{path}[{i}]", rel, abs_, ignore_index)
            if problem:
                return problem
        return None
    if type(expected) is dict:
        return _dict_mismatch(actual, expected, path, rel, abs_, ignore_index)
    if type(expected) in (set, frozenset):
        return _set_mismatch(actual, expected, path)
    if pd is not None and type(expected) is pd.DataFrame:
        return _frame_mismatch(actual, expected, path, rel, abs_, ignore_index, pd, np)
    if pd is not None and type(expected) is pd.Series:
        return _series_mismatch(actual, expected, path, rel, abs_, ignore_index, pd, np)
    if pd is not None and type(expected) in _index_types(pd):
        if type(actual) not in _index_types(pd):
            return f"{path}: expected an Index, got {_kind(actual)}"
        if len(actual) != len(expected):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        return _mismatch(list(actual), list(expected), path, rel, abs_, ignore_index)
    if np is not None and type(expected) is np.ndarray:
        if type(actual) is not np.ndarray:
            return f"{path}: expected a numpy array, got {_kind(actual)}"
        if actual.shape != expected.shape:
            return f"{path}: expected shape {expected.shape}, got {actual.shape}"
        return _mismatch(actual.tolist(), expected.tolist(), path, rel, abs_, ignore_index)
    if type(actual) is not type(expected):
        return f"{path}: expected {_article(type(expected).__name__)}, got {_kind(actual)}"
    same = expected == actual  # both of the instructor's type: the expected value's __eq__ decides
    if not _is_bool(same):
        return f"{path}: cannot compare {_kind(actual)} values"
    return None if bool(same) else f"{path}: expected {_show(expected)}, got {_show(actual)}"


def _number_mismatch(actual, expected, path, rel, abs_):
    a = int(actual) if _is_int(actual) else float(actual)
    e = int(expected) if _is_int(expected) else float(expected)
    if a != a and e != e:  # both NaN
        return None
    if a == e:
        return None
    diff = a - e if a > e else e - a
    scale = a if a > 0 else -a
    scale_e = e if e > 0 else -e
    tolerance = max(rel * max(scale, scale_e), abs_)
    if (type(a) is float or type(e) is float) and diff <= tolerance:
        return None
    return f"{path}: expected {_show(expected)}, got {_show(actual)}"


def _dict_mismatch(actual, expected, path, rel, abs_, ignore_index):
    if type(actual) is not dict:
        return f"{path}: expected a dict, got {_kind(actual)}"
    for key in actual:
        if not _is_plain_key(key):
            return f"{path}: unexpected key {_kind(key)}"
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing:
        return f"{path}: missing key(s) {', '.join(_show(k) for k in missing[:5])}"
    if extra:
        return f"{path}: unexpected key(s) {', '.join(_show(k) for k in extra[:5])}"
    for key, value in expected.items():
        problem = _mismatch(actual[key], value, f"{path}[{_show(key)}]", rel, abs_, ignore_index)
        if problem:
            return problem
    return None


def _set_mismatch(actual, expected, path):
    if type(actual) not in (set, frozenset):
        return f"{path}: expected a set, got {_kind(actual)}"
    for item in actual:
        if not _is_plain_key(item):
            return f"{path}: unexpected item {_kind(item)}"
    missing = sorted(_show(x) for x in expected if x not in actual)
    extra = sorted(_show(x) for x in actual if x not in expected)
    if missing:
        return f"{path}: missing {', '.join(missing[:5])}"
    if extra:
        return f"{path}: unexpected {', '.join(extra[:5])}"
    return None


def _frame_mismatch(actual, expected, path, rel, abs_, ignore_index, pd, np):
    if type(actual) is not pd.DataFrame:
        return f"{path}: expected a DataFrame, got {_kind(actual)}"
    problem = _mismatch(
        list(actual.columns), list(expected.columns), f"{path} columns", 0, 0, False
    )
    if problem:
        return problem
    if len(actual) != len(expected):
        return f"{path}: expected {len(expected)} rows, got {len(actual)}"
    if not ignore_index:
        problem = _mismatch(
            list(actual.index), list(expected.index), f"{path} row labels", rel, abs_, False
        )
        if problem:
            return problem
    for position, column in enumerate(expected.columns):
        problem = _values_mismatch(
            actual.iloc[:, position],
            expected.iloc[:, position],
            f"{path}[{_show(column)}]",
            rel,
            abs_,
            np,
        )
        if problem:
            return problem
    return None


def _series_mismatch(actual, expected, path, rel, abs_, ignore_index, pd, np):
    if type(actual) is not pd.Series:
        return f"{path}: expected a Series, got {_kind(actual)}"
    if len(actual) != len(expected):
        return f"{path}: expected {len(expected)} values, got {len(actual)}"
    if not ignore_index:
        problem = _mismatch(
            list(actual.index), list(expected.index), f"{path} labels", rel, abs_, False
        )
        if problem:
            return problem
    return _values_mismatch(actual, expected, path, rel, abs_, np)


def _values_mismatch(actual, expected, path, rel, abs_, np):
    """Compare two Series of a genuine DataFrame position by position."""
    kinds = "iufb"
    if np is not None and actual.dtype.kind in kinds and expected.dtype.kind in kinds:
        a = actual.to_numpy(dtype=float, na_value=np.nan)
        e = expected.to_numpy(dtype=float, na_value=np.nan)
        close = np.isclose(a, e, rtol=rel, atol=abs_, equal_nan=True)
        if bool(close.all()):
            return None
        row = int(np.argmin(close))
        return (
            f"{path} row {row}: expected {_show(expected.iloc[row])}, got {_show(actual.iloc[row])}"
        )
    for row, (a, e) in enumerate(zip(actual.tolist(), expected.tolist(), strict=True)):
        if _is_missing(a) and _is_missing(e):
            continue
        problem = _mismatch(a, e, f"{path} row {row}", rel, abs_, False)
        if problem:
            return problem
    return None


# --- genuine types -----------------------------------------------------------------------


def _is_heap(cls) -> bool:
    return bool(cls.__flags__ & _HEAP_TYPE)


def _numpy_kind(value, kind_name):
    np = sys.modules.get("numpy")
    if np is None:
        return False
    cls = type(value)
    return issubclass(cls, getattr(np, kind_name)) and not _is_heap(cls)


def _is_bool(value) -> bool:
    np = sys.modules.get("numpy")
    return type(value) is bool or (np is not None and type(value) is np.bool_)


def _is_int(value) -> bool:
    return type(value) is int or _numpy_kind(value, "integer")


def _is_number(value) -> bool:
    return _is_int(value) or type(value) is float or _numpy_kind(value, "floating")


def _is_str(value) -> bool:
    return type(value) is str or _numpy_kind(value, "str_")


def _is_missing(value) -> bool:
    if value is None:
        return True
    if type(value) is float or _numpy_kind(value, "floating"):
        return value != value
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def _is_plain_key(value) -> bool:
    if value is None or _is_bool(value) or _is_number(value) or _is_str(value):
        return True
    return type(value) is tuple and all(_is_plain_key(v) for v in value)


def _is_type(value, wanted) -> bool:
    if wanted is int:
        return _is_int(value)
    if wanted is float:
        return type(value) is float or _numpy_kind(value, "floating")
    if wanted is bool:
        return _is_bool(value)
    if wanted is str:
        return _is_str(value)
    return type(value) is wanted


# --- messages ----------------------------------------------------------------------------


def _index_types(pd) -> tuple:
    return (
        pd.Index,
        pd.RangeIndex,
        pd.MultiIndex,
        pd.DatetimeIndex,
        pd.CategoricalIndex,
        pd.IntervalIndex,
        pd.PeriodIndex,
        pd.TimedeltaIndex,
    )


def _library_types() -> tuple:
    pd = sys.modules.get("pandas")
    np = sys.modules.get("numpy")
    found: tuple = ()
    if pd is not None:
        found += (pd.DataFrame, pd.Series, pd.Timestamp, pd.Timedelta) + _index_types(pd)
    if np is not None:
        found += (np.ndarray,)
    return found


def _kind(value) -> str:
    """Name the type of ``value`` without running any of its code."""
    if value is None:
        return "None"
    cls = type(value)
    name = _plain(cls.__name__)
    if (
        cls.__module__ == "course_utils.grading.protocol" and name == "Opaque"
    ):  # left the kernel unread
        return f"an object of class {_plain(value.type_name)} (not data the grader can read)"
    if _is_heap(cls) and cls not in _library_types():
        return f"an object of class {name}"
    return _article(name)


def _plain(text) -> str:
    """A genuine ``str`` copy of ``text`` (a str subclass could override its methods)."""
    try:
        return str.__str__(text)
    except TypeError:
        return "?"


def _article(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _show(value) -> str:
    """A short text of a plain value; other objects are only named by type."""
    if value is None or _is_bool(value):
        text = repr(bool(value)) if value is not None else "None"
    elif _is_int(value):
        text = repr(int(value))
    elif _is_number(value):
        text = repr(float(value))
    elif _is_str(value):
        text = repr(str(value))
    elif type(value) is tuple and all(_is_plain_key(v) for v in value):
        text = "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    else:
        return _kind(value)
    return text if len(text) <= _SHOW else text[: _SHOW - 3] + "..."


# --- assert statements (rewritten by the grader into these calls) ---------------------------

_ORDER_OPS = {"<", "<=", ">", ">="}


def _assert_true(value, text: str) -> None:
    """``assert <expr>``: the expression must give a genuine bool that is True."""
    check_true(value, f"assertion failed: {text}")


def _assert_compare(left, op: str, right, text: str) -> None:
    """``assert left <op> right`` with type-checked operands."""
    message = f"assertion failed: {text}"
    if op in ("==", "!="):
        problem = _mismatch(left, right, "", 1e-6, 1e-9, False)
        if (problem is None) != (op == "=="):
            detail = f" ({problem.lstrip(': ')})" if problem else ""
            raise CheckFailure(message + detail)
        return
    if op in ("is", "is not"):
        if (left is right) != (op == "is"):
            raise CheckFailure(message)
        return
    if op in _ORDER_OPS:
        numbers = _is_number(left) and _is_number(right)
        strings = _is_str(left) and _is_str(right)
        if not (numbers or strings):
            raise CheckFailure(f"{message}: cannot order {_kind(left)} and {_kind(right)}")
        a, b = (float(left), float(right)) if numbers else (str(left), str(right))
        holds = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if not holds:
            raise CheckFailure(message)
        return
    if op in ("in", "not in"):
        found = _contains(right, left)
        if found is None:
            raise CheckFailure(f"{message}: cannot look inside {_kind(right)}")
        if found != (op == "in"):
            raise CheckFailure(message)
        return
    raise CheckFailure(f"{message}: unsupported comparison {op!r}")


def _contains(container, item):
    pd = sys.modules.get("pandas")
    if _is_str(container) and _is_str(item):
        return str(item) in str(container)
    if type(container) in (list, tuple, set, frozenset):
        items = list(container)
    elif type(container) is dict:
        items = list(container.keys())
    elif pd is not None and (type(container) is pd.Series or type(container) in _index_types(pd)):
        items = list(container)
    else:
        return None
    return any(_mismatch(candidate, item, "", 1e-6, 1e-9, False) is None for candidate in items)
