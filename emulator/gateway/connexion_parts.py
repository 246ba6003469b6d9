"""Connexion's validation modules without Connexion's application layer.

`import connexion.spec` runs `connexion/__init__.py` first, and that imports every app and
middleware Connexion has: the Flask app, the ASGI app, Starlette's test client (and httpx),
Swagger UI, the security handlers. The emulator uses none of them, only Connexion's request
validation, and paid about 0.14 s for them with its first validated request. `prepare()`
registers the `connexion` and `connexion.middleware` packages without running their
`__init__`, so that importing a submodule loads that submodule and what it needs.

Two libraries those modules import are used only for what the emulator never asks: jinja2
(a spec file rendered as a template) and requests (a `$ref` to a remote URL). They are
registered the same way, their `__init__` not run yet.

Nothing is missing for other code in the process: the first attribute asked of such a
module that is not one of its submodules (`connexion.AsyncApp`, `requests.get`) runs its
real `__init__` then. (importlib's LazyLoader would not do: on Python 3.11 the import
system's own look at `__spec__` of a module already imported sets it off.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

# Parents first: a child's spec is found on its parent's __path__.
_DEFERRED = ("connexion", "connexion.middleware", "jinja2", "requests")


def prepare() -> None:
    """Register the deferred packages, not yet initialised, unless they are imported."""
    for name in _DEFERRED:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue  # not installed: the import that needs it says so
        package = importlib.util.module_from_spec(spec)
        package.__getattr__ = _completing(package)  # type: ignore[method-assign]
        sys.modules[name] = package


def _completing(package: ModuleType) -> Any:
    """A module `__getattr__` that runs the package's own `__init__` once, on demand: for
    a name that is not one of its submodules (`from connexion import utils` asks for the
    submodule this way, and must not run it)."""

    def __getattr__(attribute: str) -> Any:
        if attribute.startswith("__") and attribute != "__all__":
            raise AttributeError(attribute)  # what tools probe for (`__wrapped__`...)
        submodule = f"{package.__name__}.{attribute}"
        if importlib.util.find_spec(submodule) is not None:
            return importlib.import_module(submodule)
        del package.__getattr__
        assert package.__spec__ is not None and package.__spec__.loader is not None
        package.__spec__.loader.exec_module(package)
        return getattr(package, attribute)

    return __getattr__
