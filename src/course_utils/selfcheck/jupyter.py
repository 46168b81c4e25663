"""Jupyter server extension: notebooks are saved with the static self-check, never a dead view.

JupyterLab and Notebook 7 save a self-check output as it is in the browser: a widget view (a
pointer to a model that lives in the kernel) beside the static ``text/html``. After a kernel
restart and a page reload that model is gone, and the front end shows "Error displaying widget:
model not found" in place of the question. This extension, enabled by
``etc/jupyter/jupyter_server_config.d/course_utils.json`` (installed with the package), registers a
pre-save hook that writes every self-check output without its widget view, with a line "Run this
cell to check your answer." under its prompt, and drops saved widget state of self-check models
(which would load a saved copy of the script). The notebook on disk then shows the question with
every answer hidden, as the book does before its script runs, until the cell runs again.

Only outputs whose HTML is a self-check (class ``selfcheck-v2``) are touched; other widgets keep
their views. The browser's copy of the notebook is not changed: the live widget stays live.
"""

from __future__ import annotations

from typing import Any

from course_utils.selfcheck.assets import GLOBAL_NAME
from course_utils.selfcheck.render import MARKER

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _is_selfcheck_output(data: dict[str, Any]) -> bool:
    html = data.get("text/html")
    if isinstance(html, list):
        if not all(isinstance(part, str) for part in html):
            return False
        html = "".join(html)
    return isinstance(html, str) and MARKER in html


RERUN_NOTE = '<p class="sc-rerun"><em>Run this cell to check your answer.</em></p>'
"""Shown under the prompt of a saved question until the cell runs again (the script removes it)."""


def with_rerun_note(html: str | list[str]) -> str:
    """The static question with :data:`RERUN_NOTE` after its prompt (once)."""
    html = "".join(html) if isinstance(html, list) else html
    if "sc-rerun" in html or "</legend>" not in html:
        return html
    return html.replace("</legend>", "</legend>" + RERUN_NOTE, 1)


def strip_selfcheck_views(nb: dict[str, Any]) -> int:
    """Drop self-check widget views and saved self-check widget state from ``nb`` in place.

    Returns how many views and model states were dropped.
    """
    dropped = 0
    cells = nb.get("cells")
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and WIDGET_VIEW in data and _is_selfcheck_output(data):
                del data[WIDGET_VIEW]
                data["text/html"] = with_rerun_note(data["text/html"])
                dropped += 1
    metadata = nb.get("metadata")
    widgets = metadata.get("widgets") if isinstance(metadata, dict) else None
    saved = widgets.get(WIDGET_STATE) if isinstance(widgets, dict) else None
    state = saved.get("state") if isinstance(saved, dict) else None
    if isinstance(state, dict):
        for model_id in [m for m, s in state.items() if _is_selfcheck_model(s)]:
            del state[model_id]
            dropped += 1
    return dropped


def _is_selfcheck_model(model: Any) -> bool:
    state = model.get("state") if isinstance(model, dict) else None
    esm = state.get("_esm") if isinstance(state, dict) else None
    return isinstance(esm, str) and GLOBAL_NAME in esm


def pre_save_hook(model: dict[str, Any], **kwargs: Any) -> None:
    """``ContentsManager`` pre-save hook: strip self-check views from a notebook being saved."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        strip_selfcheck_views(model["content"])


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course_utils.selfcheck.jupyter"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    serverapp.contents_manager.register_pre_save_hook(pre_save_hook)
    serverapp.log.info("course_utils: self-checks are saved as static questions (no widget views)")
