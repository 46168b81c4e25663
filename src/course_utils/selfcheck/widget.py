"""The live-notebook view: an anywidget that runs the same JavaScript as the static book."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from course_utils.selfcheck.assets import ESM_EXPORT, static_text, widget_css, widget_esm
from course_utils.selfcheck.render import render_html
from course_utils.selfcheck.rules import (
    Result,
    check,
    compile_key,
    option_order,
    question_salt,
    shown_order,
)

__all__ = ["ESM_EXPORT", "SelfCheck", "static_text", "to_answer", "to_response"]


def _shown_options(spec: dict[str, Any]) -> list[str]:
    """The option texts in the order the page shows them (responses are shown positions)."""
    return [spec["options"][j]["text"] for j in option_order(len(spec["options"]), question_salt(spec))]


def to_response(spec: dict[str, Any], answer: Any) -> Any:
    """Turn a readable answer (option/item texts, typed text) into the browser's response form."""
    if answer is None:
        return None
    qtype = spec["type"]
    if qtype in ("single", "multiple"):
        texts = _shown_options(spec)

        def index(value: Any) -> Any:
            if isinstance(value, str) and value in texts:
                return texts.index(value)
            return value

        return index(answer) if qtype == "single" else [index(a) for a in answer]
    if qtype == "ordering":
        shown = shown_order(len(spec["items"]), question_salt(spec))
        texts = [spec["items"][i] for i in shown]
        return [texts.index(a) if a in texts else a for a in answer]
    return str(answer)


def to_answer(spec: dict[str, Any], response: Any) -> Any:
    """Inverse of :func:`to_response`: what the learner chose, as readable texts."""
    if response is None:
        return None
    qtype = spec["type"]
    if qtype in ("single", "multiple"):
        texts = _shown_options(spec)

        def text(i: Any) -> Any:
            return texts[i] if isinstance(i, int) and 0 <= i < len(texts) else i

        return text(response) if qtype == "single" else [text(i) for i in response]
    if qtype == "ordering":
        shown = shown_order(len(spec["items"]), question_salt(spec))
        return [spec["items"][shown[d]] if isinstance(d, int) and 0 <= d < len(shown) else d
                for d in response]
    return response


class SelfCheck(anywidget.AnyWidget):
    """One self-check question in a live notebook.

    ``answer`` holds the learner's latest checked answer (option text, list of texts, typed text
    or the items in the learner's order), ``correct`` whether it was right (``None`` before any
    answer), ``result`` the detail of the check. Setting ``answer`` from Python checks it too.
    """

    _esm = widget_esm()
    _css = widget_css()

    html = traitlets.Unicode("").tag(sync=True)
    qid = traitlets.Unicode("").tag(sync=True)
    response = traitlets.Any(None, allow_none=True).tag(sync=True)
    answer = traitlets.Any(None, allow_none=True).tag(sync=True)
    correct = traitlets.Bool(None, allow_none=True).tag(sync=True)
    result = traitlets.Dict().tag(sync=True)
    tries = traitlets.Int(0).tag(sync=True)
    hints = traitlets.Int(0).tag(sync=True)
    revealed = traitlets.Bool(False).tag(sync=True)

    def __init__(self, spec: dict[str, Any], **kwargs: Any) -> None:
        self._spec = spec
        self._key = compile_key(spec)
        self._syncing = False
        super().__init__(html=render_html(spec), qid=spec["id"], **kwargs)

    @property
    def spec(self) -> dict[str, Any]:
        """The validated question spec."""
        return self._spec

    def check(self, answer: Any) -> Result:
        """Check a readable answer without changing the widget."""
        return check(self._key, to_response(self._spec, answer))

    def _record(self, response: Any, answer: Any) -> None:
        self._syncing = True
        try:
            outcome = check(self._key, response)
            self.response = response
            self.answer = answer
            self.result = outcome.as_dict()
            self.correct = None if outcome.status == "invalid" else outcome.correct
        finally:
            self._syncing = False

    @traitlets.observe("response")
    def _on_response(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._record(change["new"], to_answer(self._spec, change["new"]))

    @traitlets.observe("answer")
    def _on_answer(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._record(to_response(self._spec, change["new"]), change["new"])

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data or {})
        data["text/html"] = self.html
        data["text/plain"] = f"Self-check '{self.qid}' ({self._spec['type']})"
        return (data, bundle[1]) if isinstance(bundle, tuple) else data

    def __repr__(self) -> str:
        return f"SelfCheck(id={self.qid!r}, answer={self.answer!r}, correct={self.correct!r})"
