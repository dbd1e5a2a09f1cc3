"""Read-only arrays (every result record of the mechanisms layer holds arrays that cannot be
modified in place: the style guide's frozen results) and the layer's integer argument check."""
from __future__ import annotations

import numpy as np

__all__ = ["read_only", "freeze", "check_integer"]


def read_only(a, dtype=None) -> np.ndarray:
    """A read-only copy of ``a`` (as ``dtype`` if given)."""
    a = np.array(a, dtype=dtype, copy=True)
    a.setflags(write=False)
    return a


def freeze(*arrays):
    """Mark ``arrays`` read-only in place (``None`` entries are skipped); returns them."""
    for a in arrays:
        if a is not None:
            a.setflags(write=False)
    return arrays[0] if len(arrays) == 1 else arrays


def check_integer(name: str, value, minimum: int = 1) -> int:
    """``value`` as an ``int`` when it is an integer (not a bool) ``>= minimum``; raises naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}; got {value!r}")
    return int(value)
