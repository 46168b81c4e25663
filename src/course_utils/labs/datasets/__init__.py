"""Data sets the labs compute with.

Every data set lives in a module of this package that defines:

* ``NAME`` -- the name to load it by (``load("martech_share")``);
* ``SYNTHETIC`` -- ``True`` for generated data, ``False`` for sourced real-world figures;
* ``CARD`` -- its data card in Markdown: what each column holds, how it was made
  (seeded generator) or where every figure comes from;
* ``load(**kwargs) -> pandas.DataFrame`` -- the table (synthetic ones accept ``seed``).

Modules are found automatically; add a module and it is listed by :func:`available`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pandas as pd

__all__ = ["DatasetInfo", "UnknownDatasetError", "available", "card", "info", "load"]


class UnknownDatasetError(KeyError):
    """No data set of that name; the message lists the names there are."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class DatasetInfo:
    """What the registry knows of one data set."""

    name: str
    synthetic: bool
    card: str
    module: str


def _modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for entry in pkgutil.iter_modules(__path__):
        if entry.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{entry.name}")
        name = getattr(module, "NAME", None)
        if name is None:
            continue
        if name in found:
            raise RuntimeError(f"data set name {name!r} is defined by two modules")
        found[name] = module
    return found


def available() -> list[str]:
    """Names of all data sets, sorted."""
    return sorted(_modules())


def _module(name: str) -> ModuleType:
    modules = _modules()
    if name not in modules:
        raise UnknownDatasetError(f"unknown data set {name!r}; available: {', '.join(sorted(modules))}")
    return modules[name]


def info(name: str) -> DatasetInfo:
    """Return the registry entry of data set ``name``."""
    module = _module(name)
    return DatasetInfo(name=name, synthetic=bool(module.SYNTHETIC), card=module.CARD.strip(), module=module.__name__)


def card(name: str) -> str:
    """Return the data card (Markdown) of data set ``name``."""
    return info(name).card


def load(name: str, **kwargs: Any) -> pd.DataFrame:
    """Load data set ``name`` as a DataFrame; keyword arguments go to its module's ``load``."""
    return _module(name).load(**kwargs)
