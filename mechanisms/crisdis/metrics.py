"""Frustration and the Price of Anarchy of Crisdis (seed 004, Def. 4 and (PoA)).

Frustration of buyer b in a Market with Rights R_b and Good bought μ^G_b:

    f_b = max((R_b - μ^G_b) / R_b, 0),   f_b = 0 if R_b = 0,

in [0, 1]. The Price of Anarchy after τ Markets is the mean frustration over Markets and buyers,

    PoA_τ = Σ_{i<=τ} Σ_b f_b(Market i) / (τ |B|)  in [0, 1].
"""
from __future__ import annotations

import numpy as np

__all__ = ["frustration", "price_of_anarchy"]


def frustration(rights, bought) -> np.ndarray:
    """f_b elementwise (any shape; ``rights`` and ``bought`` broadcast)."""
    R = np.asarray(rights, dtype=np.float64)
    got = np.asarray(bought, dtype=np.float64)
    if np.any(R < 0) or np.any(got < -1e-12):
        raise ValueError("rights, bought: expected values >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(R > 0, np.clip((R - got) / np.where(R > 0, R, 1.0), 0.0, 1.0), 0.0)
    return f


def price_of_anarchy(frustrations) -> np.ndarray:
    """PoA_τ for τ = 1..T from frustrations of shape (..., T, B): the running mean over Markets
    and buyers, shape (..., T)."""
    f = np.asarray(frustrations, dtype=np.float64)
    if f.ndim < 2:
        raise ValueError(f"frustrations: expected shape (..., T, B); got {f.shape}")
    per_market = f.mean(axis=-1)
    return np.cumsum(per_market, axis=-1) / np.arange(1, f.shape[-2] + 1)
