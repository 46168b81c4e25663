"""Kernel side of the grading protocol: publish answers as data, call answer functions.

The grader sends code that calls :func:`export` or :func:`call`; each publishes one reply of MIME
type :data:`~course_utils.grading.protocol.VALUES_MIME` (see :mod:`course_utils.grading.protocol`).
Nothing here decides anything: the grader checks what it receives.
"""

from __future__ import annotations

import json

from course_utils.grading.protocol import VALUES_MIME, decode, encode

__all__ = ["call", "export"]

_handles: dict[int, object] = {}  # callables published so far, by handle


def _namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        return shell.user_ns
    import __main__

    return vars(__main__)


def _publish(payload: dict) -> None:
    from IPython.display import display

    display({VALUES_MIME: json.dumps(payload, allow_nan=False)}, raw=True)


def export(nonce: str, names: list[str]) -> None:
    """Publish the values bound to ``names`` in the student's namespace."""
    namespace = _namespace()
    values = {}
    for name in names:
        if name in namespace:
            try:
                values[name] = encode(namespace[name], _handles=_handles)
            except Exception as exc:  # a value that cannot be read is reported, not fatal
                values[name] = {"t": "opaque", "type": f"unreadable ({type(exc).__name__})"}
    _publish({"nonce": nonce, "values": values})


def call(nonce: str, handle: int, payload: str) -> None:
    """Call the published callable ``handle`` with the arguments in ``payload``; publish the result."""
    request = json.loads(payload)
    args = [decode(a) for a in request["args"]]
    kwargs = {k: decode(v) for k, v in request["kwargs"].items()}
    function = _handles.get(handle)
    if function is None:
        _publish({"nonce": nonce, "raised": ["LookupError", "the function is no longer available"]})
        return
    try:
        result = function(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the student's function may raise anything
        _publish({"nonce": nonce, "raised": [type(exc).__name__[:80], str(exc)[:500]]})
        return
    try:
        encoded = encode(result, _handles=_handles)
    except Exception as exc:
        encoded = {"t": "opaque", "type": f"unreadable ({type(exc).__name__})"}
    _publish({"nonce": nonce, "result": encoded})
