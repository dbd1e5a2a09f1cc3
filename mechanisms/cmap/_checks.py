"""Input checks shared by the modules of :mod:`mechanisms.cmap`."""
from __future__ import annotations

import numpy as np


def positive_vector(name: str, value, n: int | None = None) -> np.ndarray:
    """``value`` as a float vector of finite entries > 0 (of length ``n`` if given)."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected an array of numbers; got {value!r}") from exc
    if a.ndim != 1 or (n is not None and a.size != n):
        raise ValueError(f"{name}: expected shape ({n if n is not None else 'd'},); got {a.shape}")
    bad = np.flatnonzero(~np.isfinite(a) | (a <= 0))
    if bad.size:
        raise ValueError(f"{name}: entries must be finite and > 0; {name}[{int(bad[0])}] = {a[bad[0]]}")
    return a


def community_radius(k) -> int:
    """The hop radius ``k`` of the CMAP community: an integer >= 1 (k = 0 is ill-posed)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k: expected an integer hop radius >= 1; got {k!r}")
    if k == 0:
        raise ValueError("k: the 0-hop community {i} does not depend on agent i's own flows "
                         "(no self-loops), so its CMAP program is ill-posed; use k >= 1")
    if k < 0:
        raise ValueError(f"k: expected an integer hop radius >= 1; got {k!r}")
    return int(k)
