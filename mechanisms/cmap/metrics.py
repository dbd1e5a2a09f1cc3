"""Distance from the market equilibrium (notes, Seed 000 §2.4; the poster names, we define).

* Nash social welfare ``NSW(x) = exp(F(x) / W)`` (weighted geometric mean of the receipts,
  ``W = Σ_j w_j``) and the ratio ``NSW(x) / NSW(x*) = exp((F(x) - F*) / W) ∈ [0, 1]``: our
  reading of the poster's "98 % of the equilibrium".
* Market loss ``ML(x) = F* - F(x) >= 0`` (weighted log gap; ``ML / W = -log(NSW ratio)``).
* Receipt deviation ``TV(x) = ½ Σ_j |U_j - U*_j| / Σ_j U*_j``.

Nothing is ever wasted (all surplus is sent), so "loss" can only be a distance from equilibrium.
"""
from __future__ import annotations

import numpy as np

from .flows import objective, receipts
from .network import ExchangeNetwork
from .optimum import WeightedLogOptimum

__all__ = ["nash_social_welfare", "nsw_ratio", "market_loss", "receipt_deviation"]


def _check_optimum(network, optimum):
    if not isinstance(optimum, WeightedLogOptimum):
        raise TypeError(f"optimum: expected a WeightedLogOptimum (solve_weighted_log); "
                        f"got {type(optimum).__name__}")
    if optimum.network is not network and optimum.receipts.shape != (network.n_agents,):
        raise ValueError("optimum: computed for a network of another size")
    return optimum


def nash_social_welfare(network: ExchangeNetwork, x) -> float:
    """``exp(F(x) / W)`` (0 if some agent receives nothing)."""
    F = objective(network, x)
    return float(np.exp(F / network.weights.sum())) if np.isfinite(F) else 0.0


def nsw_ratio(network: ExchangeNetwork, x, optimum: WeightedLogOptimum) -> float:
    """``exp((F(x) - F*) / W)``; 0 when some agent receives nothing."""
    optimum = _check_optimum(network, optimum)
    F = objective(network, x)
    if not np.isfinite(F):
        return 0.0
    return float(np.exp((F - optimum.objective) / network.weights.sum()))


def market_loss(network: ExchangeNetwork, x, optimum: WeightedLogOptimum) -> float:
    """``F* - F(x)`` (``inf`` when some agent receives nothing)."""
    optimum = _check_optimum(network, optimum)
    return float(optimum.objective - objective(network, x))


def receipt_deviation(network: ExchangeNetwork, x, optimum: WeightedLogOptimum) -> float:
    """``½ Σ_j |U_j(x) - U*_j| / Σ_j U*_j``."""
    optimum = _check_optimum(network, optimum)
    return float(0.5 * np.abs(receipts(network, x) - optimum.receipts).sum() / optimum.receipts.sum())
