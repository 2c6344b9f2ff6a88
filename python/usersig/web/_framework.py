"""Imports a web framework for an adapter, or says how to install it."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, adapter: str, extra: str) -> ModuleType:
    """``module``, imported; ``ImportError`` naming the extra to install when
    it is not there."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{adapter} needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'usersig[{extra}]'"
        ) from e
