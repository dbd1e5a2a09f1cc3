"""Read-only arrays (every result record of the mechanisms layer holds arrays that cannot be
modified in place: the style guide's frozen results) and the layer's argument checks (integers,
numbers, choices among named options)."""
from __future__ import annotations

import numpy as np

__all__ = ["read_only", "freeze", "check_integer", "check_number", "check_positive",
           "check_choice"]


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


def check_number(name: str, value, *, positive: bool = False, nonnegative: bool = False) -> float:
    """``value`` as a finite ``float`` (``> 0`` or ``>= 0`` when asked); raises naming it."""
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected a number; got {value!r}") from exc
    if not np.isfinite(f) or (positive and f <= 0) or (nonnegative and f < 0):
        cond = " > 0" if positive else (" >= 0" if nonnegative else "")
        raise ValueError(f"{name}: expected a finite number{cond}; got {value!r}")
    return f


def check_positive(name: str, value) -> float:
    """``value`` as a finite ``float > 0``; raises naming it."""
    return check_number(name, value, positive=True)


def check_choice(name: str, value, choices):
    """``value`` when it is one of ``choices`` (a tuple or a dict's keys); raises naming it."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {tuple(choices)}; got {value!r}")
    return value
