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
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise GameValidationError(f"{name}: cannot be read as a numeric array ({exc})") from exc
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
    try:
        value = float(delta)
    except (TypeError, ValueError) as exc:
        raise GameValidationError(f"{name}: must be a number in [0, 1), got {delta!r}") from exc
    if not np.isfinite(value) or not (0.0 <= value < 1.0):
        raise GameValidationError(f"{name}: the discount factor must lie in [0, 1), got {delta!r}")
    return value
