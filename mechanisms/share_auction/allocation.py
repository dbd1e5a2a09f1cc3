"""The proportional-share allocation rule and the agents' utilities (seed 001 §2, eqs. (1)-(3)).

``n`` agents bid ``s_i >= 0`` for a divisible resource of capacity ``C > 0``; with
``S = Σ_j s_j`` agent ``i`` receives ``x_i(s) = C s_i / S`` (``x = 0`` if ``S = 0``) and pays its bid,
``c_i(s, x) = s_i``. Every agent thus pays the same price per unit of resource. The seed writes it
``θ / C`` with ``θ`` the bid total; here, as in the notes, ``θ = S / C`` *is* the unit price, so
``x_i = s_i / θ``. The rule takes ``O(n)`` operations and is proportionally fair by weight ``s``.
The utility is ``U_i(s) = V_i(x_i(s)) - s_i``.
"""
from __future__ import annotations

import numpy as np

from .._arrays import check_positive
from .valuations import check_valuations

__all__ = ["proportional_share", "unit_price", "utilities", "check_bids", "check_capacity"]


def check_capacity(capacity) -> float:
    return check_positive("capacity", capacity)


def check_bids(bids, n: int | None = None, *, name: str = "bids") -> np.ndarray:
    try:
        s = np.asarray(bids, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected an array of numbers; got {bids!r}") from exc
    if s.ndim != 1 or s.size == 0 or (n is not None and s.size != n):
        raise ValueError(f"{name}: expected shape ({n if n is not None else 'n'},); got {s.shape}")
    bad = np.flatnonzero(~np.isfinite(s) | (s < 0))
    if bad.size:
        raise ValueError(f"{name}: bids must be finite and >= 0; {name}[{int(bad[0])}] = {s[bad[0]]}")
    return s


def proportional_share(bids, capacity) -> np.ndarray:
    """``x_i = C s_i / Σ_j s_j`` (all zero when every bid is zero).

    Examples
    --------
    >>> proportional_share([1.0, 3.0], 2.0).tolist()
    [0.5, 1.5]
    """
    s = check_bids(bids)
    C = check_capacity(capacity)
    total = s.sum()
    return C * s / total if total > 0 else np.zeros_like(s)


def unit_price(bids, capacity) -> float:
    """``Σ_j s_j / C``: what every agent pays per unit of resource."""
    return float(check_bids(bids).sum() / check_capacity(capacity))


def utilities(valuations, bids, capacity) -> np.ndarray:
    """``U_i(s) = V_i(x_i(s)) - s_i`` for every agent."""
    s = check_bids(bids)
    vals = check_valuations(valuations, s.size)
    x = proportional_share(s, capacity)
    return np.array([float(v.value(xi)) for v, xi in zip(vals, x)]) - s
