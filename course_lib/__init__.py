"""course_lib: the tested helpers behind the *Generating Data* notebooks.

Import it once under one short alias, as the notebooks do::

    import course_lib as cl
    cl.config.setup(seed=42)
    X, y = cl.data.load("mnist")

Submodules are imported on first use, so ``import course_lib`` stays fast and does not
import TensorFlow until a module that needs it is touched.
"""

from __future__ import annotations

import importlib
import pkgutil

__version__ = "0.1.0"

# Every public module of the package (files not starting with "_"), found on disk so
# that the list can never name a module that does not exist.
_SUBMODULES = tuple(
    m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
)

__all__ = list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
