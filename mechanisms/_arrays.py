"""Read-only arrays: every result record of the mechanisms layer holds arrays that cannot be
modified in place (the style guide's frozen results)."""
from __future__ import annotations

import numpy as np

__all__ = ["read_only", "freeze"]


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
