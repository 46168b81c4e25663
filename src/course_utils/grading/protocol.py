"""The one narrow protocol between the grader and the code running in a student's kernel.

Nothing but data crosses it. The grader sends the kernel two kinds of request, as code that
calls :mod:`course_utils.grading.kernel_side.agent`:

* ``export(nonce, names)`` -- publish the values of these answer names;
* ``call(nonce, handle, args)`` -- call the answer function ``handle`` with these arguments.

The kernel answers with one display message of MIME type :data:`VALUES_MIME` whose text is JSON:
``{"nonce": ..., "values": {name: value}}`` or ``{"nonce": ..., "result": value}`` or
``{"nonce": ..., "raised": [type_name, message]}``.

Values are *tagged JSON* (:func:`encode` / :func:`decode`): JSON's own numbers, strings, booleans,
``null`` and lists stand for themselves; everything else is an object with a type tag ``"t"``:
tuples, sets, dicts (as item pairs), numpy scalars and arrays, pandas Series, DataFrames and
indexes (column by column, with their dtypes), callables (``{"t": "callable", "handle": n}``: the
grader can only ask the kernel to call them) and ``{"t": "opaque", "type": name}`` for anything
else. Never pickle. :func:`decode` runs on the grader's side and builds only plain objects of the
types listed, checking every tag, so whatever comes out of a kernel is inert data.

This module is imported on both sides: standard library only at import time; numpy and pandas
are imported when a value needs them.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_REPLY_CHARS",
    "VALUES_MIME",
    "KernelCallable",
    "Opaque",
    "ProtocolError",
    "call_code",
    "decode",
    "encode",
    "export_code",
    "read_reply",
]

VALUES_MIME = "application/vnd.course-utils.values+json"
MAX_DEPTH = 40  # nesting of containers in one value
MAX_REPLY_CHARS = 64 * 2**20  # largest reply the grader reads
MAX_RANGE = 10**6  # longest RangeIndex the grader rebuilds (anything else is sent item by item)
_NUMERIC_KINDS = "biuf"  # numpy dtype kinds carried as JSON numbers: bool, int, uint, float
_DTYPES = {  # dtypes a column or array may be rebuilt with
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "object",
    "string",
    "str",
    "boolean",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Float32",
    "Float64",
    "datetime64[s]",
    "datetime64[ms]",
    "datetime64[us]",
    "datetime64[ns]",
    "category",
}


class ProtocolError(ValueError):
    """A value or reply from the kernel does not follow the protocol."""


class KernelCallable:
    """A function that lives in the kernel; the grader can only ask the kernel to call it."""

    def __init__(self, handle: int, name: str) -> None:
        self.handle = handle
        self.name = name

    def __repr__(self) -> str:
        return f"<function {self.name} in the student's kernel>"


class Opaque:
    """A value the protocol does not carry (a figure, a module, an object of the student's class)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object that the grader cannot read>"


# --------------------------------------------------------------------------- requests


def export_code(nonce: str, names: list[str]) -> str:
    """The code the grader runs in the kernel to have ``names`` published."""
    return (
        "__import__('course_utils.grading.kernel_side.agent', fromlist=['export'])"
        f".export({nonce!r}, {list(names)!r})"
    )


def call_code(nonce: str, handle: int, args: list, kwargs: dict) -> str:
    """The code the grader runs in the kernel to call function ``handle`` with these arguments."""
    payload = json.dumps(
        {"args": [encode(a) for a in args], "kwargs": {k: encode(v) for k, v in kwargs.items()}}
    )
    return (
        "__import__('course_utils.grading.kernel_side.agent', fromlist=['call'])"
        f".call({nonce!r}, {int(handle)!r}, {payload!r})"
    )


def read_reply(payloads: list[Any], nonce: str) -> dict:
    """The first reply published under ``nonce``, parsed and checked (grader side)."""
    for payload in payloads:
        if not isinstance(payload, str) or len(payload) > MAX_REPLY_CHARS:
            continue
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("nonce") == nonce:
            return data
    raise ProtocolError("the kernel sent no readable reply")


# --------------------------------------------------------------------------- encoding


def encode(value: Any, _depth: int = 0, _handles: dict | None = None) -> Any:
    """``value`` as tagged JSON. Callables are registered in ``_handles`` (kernel side)."""
    if _depth > MAX_DEPTH:
        return {"t": "opaque", "type": "too deeply nested value"}
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 10**300 else {"t": "opaque", "type": "int too large"}
    if kind is float:
        return value if math.isfinite(value) else {"t": "float", "v": repr(value)}
    depth = _depth + 1
    if kind is list:
        return [encode(v, depth, _handles) for v in value]
    if kind in (tuple, set, frozenset):
        items = sorted(value, key=_sort_key) if kind is not tuple else value
        return {"t": kind.__name__, "v": [encode(v, depth, _handles) for v in items]}
    if kind is dict:
        return {
            "t": "dict",
            "v": [
                [encode(k, depth, _handles), encode(v, depth, _handles)] for k, v in value.items()
            ],
        }
    module = getattr(kind, "__module__", "") or ""
    if module.startswith("numpy"):
        return _encode_numpy(value, depth, _handles)
    if module.startswith("pandas"):
        return _encode_pandas(value, depth, _handles)
    if isinstance(value, (bool, int, float, str)):  # subclasses: their plain value only
        base = next(t for t in (bool, int, float, str) if isinstance(value, t))
        return encode(base(value), _depth, _handles)
    if callable(value) and _handles is not None:
        handle = len(_handles) + 1
        _handles[handle] = value
        return {
            "t": "callable",
            "handle": handle,
            "name": str(getattr(value, "__name__", "function"))[:80],
        }
    return {"t": "opaque", "type": str(getattr(kind, "__name__", "object"))[:80]}


def _sort_key(value: Any) -> tuple:
    return (type(value).__name__, repr(value))


def _encode_numpy(value: Any, depth: int, handles: dict | None) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _NUMERIC_KINDS or str(value.dtype) not in _DTYPES:
            return {
                "t": "ndarray",
                "dtype": "object",
                "shape": list(value.shape),
                "v": [encode(v, depth, handles) for v in value.ravel().tolist()],
            }
        return {
            "t": "ndarray",
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "v": _floats(value.ravel().tolist()),
        }
    if (
        isinstance(value, np.generic)
        and value.dtype.kind in _NUMERIC_KINDS
        and str(value.dtype) in _DTYPES
    ):
        return {"t": "np", "dtype": str(value.dtype), "v": _floats([value.item()])[0]}
    if isinstance(value, np.str_):
        return str(value)
    return {"t": "opaque", "type": type(value).__name__}


def _floats(values: list) -> list:
    """Non-finite floats as tagged strings (JSON has no NaN)."""
    return [
        v if type(v) is not float or math.isfinite(v) else {"t": "float", "v": repr(v)}
        for v in values
    ]


def _encode_pandas(value: Any, depth: int, handles: dict | None) -> Any:
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {
            "t": "frame",
            "columns": _encode_index(value.columns, depth, handles),
            "index": _encode_index(value.index, depth, handles),
            "data": [
                _encode_column(value.iloc[:, i], depth, handles) for i in range(value.shape[1])
            ],
        }
    if isinstance(value, pd.Series):
        return {
            "t": "series",
            "name": encode(value.name, depth, handles),
            "index": _encode_index(value.index, depth, handles),
            "data": _encode_column(value, depth, handles),
        }
    if isinstance(value, pd.Index):
        return _encode_index(value, depth, handles)
    if value is pd.NA:
        return {"t": "na"}
    if isinstance(value, pd.Timestamp):
        return {"t": "timestamp", "v": value.isoformat()} if value is not pd.NaT else {"t": "nat"}
    return {"t": "opaque", "type": type(value).__name__}


def _encode_index(index: Any, depth: int, handles: dict | None) -> dict:
    import pandas as pd

    if isinstance(index, pd.RangeIndex):
        return {
            "t": "range",
            "start": int(index.start),
            "stop": int(index.stop),
            "step": int(index.step),
            "name": encode(index.name, depth, handles),
        }
    if isinstance(index, pd.MultiIndex):
        return {
            "t": "multiindex",
            "names": [encode(n, depth, handles) for n in index.names],
            "v": [encode(tuple(t), depth, handles) for t in index.tolist()],
        }
    return {
        "t": "index",
        "name": encode(index.name, depth, handles),
        "data": _encode_column(pd.Series(index, dtype=index.dtype), depth, handles),
    }


def _encode_column(series: Any, depth: int, handles: dict | None) -> dict:
    dtype = str(series.dtype)
    if dtype == "category":
        cats = series.cat.categories
        return {
            "dtype": "category",
            "ordered": bool(series.cat.ordered),
            "categories": _encode_index(cats, depth, handles),
            "codes": series.cat.codes.tolist(),
        }
    if dtype.startswith("datetime64"):
        unit = dtype if dtype in _DTYPES else "datetime64[ns]"
        return {"dtype": unit, "v": [None if v != v else v.isoformat() for v in series.tolist()]}
    if series.dtype.kind in _NUMERIC_KINDS and dtype in _DTYPES:
        return {"dtype": dtype, "v": _floats(series.tolist())}
    values = [encode(v, depth, handles) for v in series.astype(object).tolist()]
    return {"dtype": dtype if dtype in _DTYPES else "object", "v": values}


# --------------------------------------------------------------------------- decoding


def decode(data: Any, _depth: int = 0) -> Any:
    """Rebuild a value from tagged JSON; raises :class:`ProtocolError` for anything else."""
    if _depth > MAX_DEPTH + 2:
        raise ProtocolError("value nested too deeply")
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is float:
        return data
    depth = _depth + 1
    if type(data) is list:
        return [decode(v, depth) for v in data]
    if type(data) is not dict:
        raise ProtocolError(f"unexpected JSON {type(data).__name__}")
    tag = data.get("t")
    if tag == "float":
        text = data.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise ProtocolError("bad float")
        return float(text)
    if tag in ("tuple", "set", "frozenset"):
        items = [decode(v, depth) for v in _list(data.get("v"))]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        pairs = _list(data.get("v"))
        out = {}
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2:
                raise ProtocolError("bad dict item")
            key = decode(pair[0], depth)
            if isinstance(key, (list, dict, set)):
                raise ProtocolError("unhashable dict key")
            out[key] = decode(pair[1], depth)
        return out
    if tag == "callable":
        handle = data.get("handle")
        if type(handle) is not int:
            raise ProtocolError("bad callable handle")
        return KernelCallable(handle, str(data.get("name", "function"))[:80])
    if tag == "opaque":
        return Opaque(str(data.get("type", "object"))[:80])
    if tag == "na":
        import pandas as pd

        return pd.NA
    if tag in ("timestamp", "nat"):
        import pandas as pd

        return pd.NaT if tag == "nat" else pd.Timestamp(str(data.get("v")))
    if tag == "np":
        import numpy as np

        return np.dtype(_dtype(data.get("dtype"), numeric=True)).type(_number(data.get("v")))
    if tag == "ndarray":
        return _decode_ndarray(data, depth)
    if tag in ("frame", "series", "index", "range", "multiindex"):
        return _decode_pandas(data, depth)
    raise ProtocolError(f"unknown value tag {str(tag)[:40]!r}")


def _list(value: Any) -> list:
    if type(value) is not list:
        raise ProtocolError("expected a list")
    return value


def _number(value: Any) -> Any:
    if type(value) in (bool, int, float):
        return value
    if type(value) is dict and value.get("t") == "float":
        return decode(value)
    raise ProtocolError("expected a number")


def _dtype(name: Any, numeric: bool = False) -> str:
    if not isinstance(name, str) or name not in _DTYPES:
        raise ProtocolError(f"unsupported dtype {str(name)[:40]!r}")
    if numeric and (name in ("object", "string", "str", "category") or name.startswith("datetime")):
        raise ProtocolError(f"dtype {name} is not numeric")
    return name


def _decode_ndarray(data: dict, depth: int) -> Any:
    import numpy as np

    shape = _list(data.get("shape"))
    if not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
        raise ProtocolError("bad array shape")
    values = _list(data.get("v"))
    if math.prod(shape) != len(values):
        raise ProtocolError("array shape and values disagree")
    dtype = _dtype(data.get("dtype"))
    if dtype == "object":
        array = np.empty(len(values), dtype=object)
        array[:] = [decode(v, depth) for v in values] if values else []
        return array.reshape(shape)
    return np.array([_number(v) for v in values], dtype=dtype).reshape(shape)


def _decode_pandas(data: dict, depth: int) -> Any:
    import pandas as pd

    tag = data["t"]
    if tag == "range":
        bounds = [data.get(k) for k in ("start", "stop", "step")]
        if not all(type(b) is int for b in bounds) or bounds[2] == 0:
            raise ProtocolError("bad range index")
        # A range is a few bytes from the kernel but may be huge to compare in the grader.
        if len(range(*bounds)) > MAX_RANGE:
            raise ProtocolError(f"range index longer than {MAX_RANGE:,} items")
        return pd.RangeIndex(*bounds, name=_label(data.get("name"), depth))
    if tag == "multiindex":
        tuples = [decode(v, depth) for v in _list(data.get("v"))]
        if not all(type(t) is tuple for t in tuples):
            raise ProtocolError("bad multi-index")
        names = [_label(n, depth) for n in _list(data.get("names"))]
        if tuples:
            return pd.MultiIndex.from_tuples(tuples, names=names)
        return pd.MultiIndex.from_arrays([[] for _ in names], names=names)
    if tag == "index":
        column = _decode_column(data.get("data"), depth)
        return pd.Index(column, name=_label(data.get("name"), depth))
    index = _decode_pandas(_dict(data.get("index")), depth)
    if tag == "series":
        column = _decode_column(data.get("data"), depth)
        if len(column) != len(index):
            raise ProtocolError("series index and values disagree")
        return pd.Series(
            column.to_numpy() if hasattr(column, "to_numpy") else column,
            index=index,
            name=_label(data.get("name"), depth),
            dtype=column.dtype,
        )
    columns = _decode_pandas(_dict(data.get("columns")), depth)
    parts = [_decode_column(c, depth) for c in _list(data.get("data"))]
    if len(parts) != len(columns) or any(len(p) != len(index) for p in parts):
        raise ProtocolError("table shape disagrees with its labels")
    frame = pd.DataFrame({i: p for i, p in enumerate(parts)})
    frame.index = index
    frame.columns = columns
    return frame


def _dict(value: Any) -> dict:
    if type(value) is not dict or not isinstance(value.get("t"), str):
        raise ProtocolError("expected a tagged object")
    return value


def _label(value: Any, depth: int) -> Any:
    label = decode(value, depth)
    if isinstance(label, (list, dict, set)):
        raise ProtocolError("unhashable label")
    return label


def _decode_column(data: Any, depth: int) -> Any:
    import pandas as pd

    if type(data) is not dict:
        raise ProtocolError("bad column")
    dtype = _dtype(data.get("dtype"))
    if dtype == "category":
        categories = _decode_pandas(_dict(data.get("categories")), depth)
        codes = _list(data.get("codes"))
        if not all(type(c) is int and -1 <= c < len(categories) for c in codes):
            raise ProtocolError("bad category codes")
        return pd.Series(
            pd.Categorical.from_codes(
                codes, categories=categories, ordered=bool(data.get("ordered"))
            )
        )
    values = _list(data.get("v"))
    if dtype.startswith("datetime64"):
        if not all(v is None or type(v) is str for v in values):
            raise ProtocolError("bad datetime column")
        return pd.Series(pd.to_datetime(values), dtype=dtype)
    if dtype in ("object", "string", "str"):
        return pd.Series(
            [decode(v, depth) for v in values],
            dtype=dtype if values or dtype == "string" else object,
        )
    numbers = [None if v is None else _number(v) for v in values]
    return pd.Series(numbers, dtype=dtype)
