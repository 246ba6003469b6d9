"""Packages registered without running their `__init__`, for libraries whose `__init__`
imports far more than the emulator uses.

`import connexion.spec` runs `connexion/__init__.py` first, and that imports every app and
middleware Connexion has (the Flask app, the ASGI app, Starlette's test client and httpx,
Swagger UI); the emulator uses only Connexion's request validation. `import uvicorn.server`
runs `uvicorn/__init__.py`, which imports uvicorn's command line (click, the reloaders,
watchfiles); the emulator only serves. `defer(name)` registers the package as a module with
its `__path__` but without its `__init__` run, so that importing a submodule loads that
submodule and what it needs.

Nothing is missing for other code in the process: the first attribute asked of a deferred
package that is not one of its submodules (`connexion.AsyncApp`, `uvicorn.run`) runs its
real `__init__` then; `provided` names are served from the submodule `__init__` takes them
from, and `shadowed` names (a submodule that `__init__` replaces by a function of the same
name, like `uvicorn.main`) run `__init__` too, unless the submodule was imported first
(`connexion.problem` is then the module until `__init__` runs). importlib's LazyLoader would
not do: on Python 3.11 the import system's own look at `__spec__` of a module already
imported sets it off.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Collection, Mapping
from types import ModuleType
from typing import Any


def defer(name: str, *, provided: Mapping[str, str] | None = None,
          shadowed: Collection[str] = ()) -> None:
    """Register package `name` (its parent first, if it has one), not yet initialised,
    unless it is imported already or not installed."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return  # the import that needs it says so
    package = importlib.util.module_from_spec(spec)
    package.__getattr__ = _completing(package, provided or {}, shadowed)  # type: ignore[method-assign]
    sys.modules[name] = package


def _completing(package: ModuleType, provided: Mapping[str, str],
                shadowed: Collection[str]) -> Any:
    """A module `__getattr__` that runs the package's own `__init__` once, on demand: for
    a name that is not one of its submodules (`from connexion import utils` asks for the
    submodule this way, and must not run it) nor one of the `provided` names."""

    def __getattr__(attribute: str) -> Any:
        if attribute.startswith("__") and attribute != "__all__":
            raise AttributeError(attribute)  # what tools probe for (`__wrapped__`...)
        if attribute in provided:
            return getattr(importlib.import_module(provided[attribute]), attribute)
        submodule = f"{package.__name__}.{attribute}"
        if attribute not in shadowed and importlib.util.find_spec(submodule) is not None:
            return importlib.import_module(submodule)
        del package.__getattr__
        assert package.__spec__ is not None and package.__spec__.loader is not None
        package.__spec__.loader.exec_module(package)
        return getattr(package, attribute)

    return __getattr__
