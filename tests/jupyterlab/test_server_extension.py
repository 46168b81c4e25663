"""The server extension that saves self-check outputs without their widget views."""

from __future__ import annotations

import copy
import json

import pytest
from labtools import SERVER_CONFIG

from course_utils.selfcheck import jupyter as ext
from course_utils.selfcheck import question, render_html
from course_utils.selfcheck.widget import SelfCheck

pytestmark = pytest.mark.jupyterlab
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
SPEC = {"id": "hook", "type": "numeric", "prompt": "x?", "answer": 2}


def saved_notebook() -> dict:
    """A notebook as JupyterLab saves it: a self-check output, another widget, widget state."""
    widget = SelfCheck(question(SPEC))
    data, _ = widget._repr_mimebundle_()
    other = {
        VIEW: {"model_id": "slider", "version_major": 2, "version_minor": 0},
        "text/plain": "IntSlider(value=3)",
    }
    state = {
        "state": {
            widget.model_id: {"model_name": "AnyModel", "state": {"_esm": widget._esm}},
            "slider": {"model_name": "IntSliderModel", "state": {"value": 3}},
        }
    }
    return {
        "cells": [
            {
                "cell_type": "code",
                "outputs": [
                    {"output_type": "display_data", "data": dict(data), "metadata": {}},
                    {"output_type": "display_data", "data": other, "metadata": {}},
                ],
            }
        ],
        "metadata": {"widgets": {STATE: state}},
    }


def test_hook_drops_self_check_views_and_state_only():
    nb = saved_notebook()
    model = {"type": "notebook", "content": nb}
    ext.pre_save_hook(model=model, path="lab.ipynb", contents_manager=None)
    first, second = nb["cells"][0]["outputs"]
    assert VIEW not in first["data"] and ext.MARKER in first["data"]["text/html"]
    html = render_html(question(SPEC))
    assert first["data"]["text/html"] == html.replace("</legend>", "</legend>" + ext.RERUN_NOTE, 1)
    assert ext.with_rerun_note(first["data"]["text/html"]) == first["data"]["text/html"]
    assert second["data"][VIEW]["model_id"] == "slider", "other widgets keep their views"
    assert list(nb["metadata"]["widgets"][STATE]["state"]) == ["slider"]


def test_hook_is_idempotent_and_ignores_files():
    nb = saved_notebook()
    assert ext.strip_selfcheck_views(nb) == 2
    again = copy.deepcopy(nb)
    assert ext.strip_selfcheck_views(again) == 0 and again == nb
    text = {"type": "file", "content": "not a notebook"}
    ext.pre_save_hook(model=text, path="x.txt")
    assert text["content"] == "not a notebook"


def test_the_shipped_config_enables_the_extension():
    config = json.loads(SERVER_CONFIG.read_text())
    module = ext._jupyter_server_extension_points()[0]["module"]
    assert config == {"ServerApp": {"jpserver_extensions": {module: True}}}
    assert module == ext.__name__


def test_the_extension_registers_its_hook():
    class Contents:
        hooks: list = []

        def register_pre_save_hook(self, hook):
            self.hooks.append(hook)

    class App:
        contents_manager = Contents()
        log = __import__("logging").getLogger("test")

    ext._load_jupyter_server_extension(App())
    assert App.contents_manager.hooks == [ext.pre_save_hook]


@pytest.mark.parametrize(
    "content",
    [
        {"cells": "not a list"},
        {"cells": [None, 3, {"outputs": "x"}, {"outputs": [None, {"data": [1]}]}]},
        {"cells": [{"outputs": [{"data": {VIEW: {}, "text/html": [1, None]}}]}]},
        {"cells": [], "metadata": {"widgets": {STATE: "not a dict"}}},
        {"cells": [], "metadata": {"widgets": {STATE: {"state": [1, 2]}}}},
        {"cells": [], "metadata": "not a dict"},
    ],
)
def test_hook_saves_malformed_notebooks_without_raising(content):
    """A notebook a learner broke by hand is saved as it is: the hook changes nothing, raises nothing."""
    before = copy.deepcopy(content)
    ext.pre_save_hook({"type": "notebook", "content": content})
    assert content == before
