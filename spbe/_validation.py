"""Input checks shared by the public entry points.

Every error names the offending argument, so that a user who passes a
malformed game learns *which* array is wrong and why.
"""
from __future__ import annotations

import numpy as np

#: Rows of a probability array must sum to one within this tolerance.
PROBABILITY_ATOL = 1e-9


class GameValidationError(ValueError):
    """Raised when a game or a belief is malformed; the message names the argument."""


def as_float_array(value, name: str) -> np.ndarray:
    """Convert ``value`` to a float64 array, refusing NaN and infinity."""
    check_numeric_data(value, name)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise GameValidationError(f"{name}: cannot be read as a numeric array "
                                  f"({short_repr(str(exc), 120)})") from None
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.isnan(arr).any() else "infinity"
        raise GameValidationError(f"{name}: contains {bad}; every entry must be finite")
    return arr


def check_shape(arr: np.ndarray, expected: tuple, name: str) -> None:
    if arr.shape != tuple(expected):
        raise GameValidationError(
            f"{name}: expected shape {tuple(expected)}, got {arr.shape}")


def check_stochastic(arr: np.ndarray, name: str, axis: int = -1) -> None:
    """Entries non-negative and each distribution along ``axis`` sums to 1 (within 1e-9)."""
    if np.any(arr < 0):
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise GameValidationError(
            f"{name}: probabilities must be non-negative; entry {idx} is {arr[idx]!r}")
    sums = arr.sum(axis=axis)
    err = np.abs(sums - 1.0)
    if np.any(err > PROBABILITY_ATOL):
        idx = tuple(int(i) for i in np.argwhere(err > PROBABILITY_ATOL)[0])
        raise GameValidationError(
            f"{name}: each distribution must sum to 1 within {PROBABILITY_ATOL:g}; "
            f"the one at index {idx} sums to {sums[idx]!r}")


def check_discount(delta, name: str = "delta") -> float:
    if not is_number(delta):
        raise GameValidationError(f"{name}: must be a number in [0, 1), got {short_repr(delta)}")
    try:
        value = float(delta)
    except OverflowError:
        raise GameValidationError(f"{name}: the discount factor must lie in [0, 1), got a number "
                                  f"too large for a float") from None
    if not np.isfinite(value) or not (0.0 <= value < 1.0):
        raise GameValidationError(f"{name}: the discount factor must lie in [0, 1), got {short_repr(delta)}")
    return value


#: Longest rendering of a user's value quoted in an error message.
MESSAGE_VALUE_CHARS = 80


def short_repr(value, limit: int = MESSAGE_VALUE_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, so that a huge bad value is never echoed whole.
    Large containers are summarised without rendering them."""
    if isinstance(value, np.ndarray) and value.size > 64:
        return f"<array of shape {value.shape}, dtype {value.dtype}>"
    if isinstance(value, (list, tuple, dict, set)) and len(value) > 64:
        return f"<{type(value).__name__} of {len(value)} entries>"
    if isinstance(value, (str, bytes)) and len(value) > 4 * limit:
        value = value[:4 * limit]
    try:
        text = repr(value)
    except Exception:                      # pragma: no cover (a broken __repr__)
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return text


def is_integer(value) -> bool:
    """A Python or numpy integer, not a boolean."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value) -> bool:
    """A Python or numpy real number, not a boolean nor a string."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_int(value, name: str, minimum: int | None = None, maximum: int | None = None,
              allow_none: bool = False):
    """An integer (no float, boolean or string) within [minimum, maximum]; returns an ``int``."""
    if value is None and allow_none:
        return None
    if not is_integer(value):
        raise GameValidationError(f"{name}: must be an integer, got {short_repr(value)}"
                                  + (f" ({type(value).__name__})" if not isinstance(value, str) else ""))
    value = int(value)
    if minimum is not None and value < minimum:
        raise GameValidationError(f"{name}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise GameValidationError(f"{name}: must be at most {maximum}, got {value}")
    return value


def check_real(value, name: str, minimum: float | None = None, maximum: float | None = None, *,
               min_open: bool = False, max_open: bool = False, allow_none: bool = False):
    """A finite real number (no boolean or string) in the given range; returns a ``float``."""
    if value is None and allow_none:
        return None
    if not is_number(value):
        raise GameValidationError(f"{name}: must be a number, got {short_repr(value)}")
    try:
        out = float(value)
    except OverflowError:
        raise GameValidationError(f"{name}: the number is too large") from None
    if not np.isfinite(out):
        raise GameValidationError(f"{name}: must be finite, got {out!r}")
    rng = (("(" if min_open else "[") + ("-inf" if minimum is None else f"{minimum:g}") + ", "
           + ("inf" if maximum is None else f"{maximum:g}") + (")" if max_open else "]"))
    if minimum is not None and (out < minimum or (min_open and out == minimum)):
        raise GameValidationError(f"{name}: must lie in {rng}, got {short_repr(value)}")
    if maximum is not None and (out > maximum or (max_open and out == maximum)):
        raise GameValidationError(f"{name}: must lie in {rng}, got {short_repr(value)}")
    return out


def check_numeric_data(value, name: str, max_depth: int = 64) -> None:
    """Refuse booleans and strings where numbers are meant, anywhere in nested lists or arrays
    (``np.asarray`` would read ``True`` as 1 and ``"0.5"`` as 0.5)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "b":
            raise GameValidationError(f"{name}: cannot be read as a numeric array: booleans are not numbers (dtype bool)")
        if value.dtype.kind in "USaV":
            raise GameValidationError(f"{name}: cannot be read as a numeric array: strings are not numbers (dtype {value.dtype})")
        if value.dtype.kind != "O":
            return
        stack = [(value.tolist(), 0)] if value.ndim else [(value.item(), 0)]
    else:
        stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple)):
            if depth >= max_depth:
                raise GameValidationError(f"{name}: nested more than {max_depth} levels deep")
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, np.ndarray):
            check_numeric_data(item, name, max_depth)
        elif isinstance(item, (bool, np.bool_)):
            raise GameValidationError(f"{name}: cannot be read as a numeric array: booleans are not numbers (found {item!r})")
        elif isinstance(item, (str, bytes)):
            raise GameValidationError(f"{name}: cannot be read as a numeric array: strings are not numbers (found {short_repr(item)})")
        elif not is_number(item):
            raise GameValidationError(f"{name}: cannot be read as a numeric array: expected numbers, found {short_repr(item)} "
                                      f"({type(item).__name__})")
