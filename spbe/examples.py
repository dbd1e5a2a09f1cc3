"""Catalog of games.

``public_goods``            the example of thesis ch. 6 §5 (Fudenberg-Tirole 1991, Ex. 8.3), reward (6.22)
``markov_public_goods``     the same with Markov types (sticky and learning-by-doing kernels)
``threshold_public_goods``  N agents (default 3); the good is provided when enough contribute
``contribution_game``       2 agents with 3 types and 3 contribution levels
"""
from __future__ import annotations

from itertools import product

import numpy as np

from .game import DynamicGame

__all__ = ["public_goods", "markov_public_goods", "threshold_public_goods", "contribution_game",
           "CATALOG"]


def threshold_public_goods(delta: float, n_agents: int = 3, threshold: int = 1,
                           x_high: float = 1.2, x_low: float = 0.2, **kwargs) -> DynamicGame:
    """N-agent public good, provided when at least ``threshold`` agents contribute.

    ``R^i(x, a) = 1{Σ_j a^j ≥ threshold} - x^i a^i``, static types ordered (x^H, x^L),
    actions (0, 1) (1 = contribute). With two agents and threshold 1 this is (6.22).
    """
    if n_agents < 1:
        raise ValueError(f"n_agents: must be at least 1, got {n_agents}")
    if not 1 <= threshold <= n_agents:
        raise ValueError(f"threshold: must lie in 1..{n_agents}, got {threshold}")
    costs = (x_high, x_low)
    shape = (n_agents,) + (2,) * (2 * n_agents)
    R = np.zeros(shape)
    for x in product(range(2), repeat=n_agents):
        for a in product(range(2), repeat=n_agents):
            provided = float(sum(a) >= threshold)
            for i in range(n_agents):
                R[(i,) + x + a] = provided - costs[x[i]] * a[i]
    kwargs.setdefault("name", f"threshold-public-goods-{n_agents}-{threshold}")
    return DynamicGame(R, types=[("H", "L")] * n_agents, actions=[("0", "1")] * n_agents,
                       delta=delta, **kwargs)


def public_goods(delta: float, x_high: float = 1.2, x_low: float = 0.2, **kwargs) -> DynamicGame:
    """The public-goods game of thesis ch. 6 §5.

    Two agents with static types (x^H, x^L) = (``x_high``, ``x_low``) in that order, actions
    (0, 1), reward (6.22): ``R^i(x, a) = 1 - x^i`` if a^i = 1 and ``a^{-i}`` if a^i = 0.
    A belief is written by its first coordinates (π_1, π_2) = (π^1(x^H), π^2(x^H)).
    """
    kwargs.setdefault("name", "public-goods")
    return threshold_public_goods(delta, n_agents=2, threshold=1, x_high=x_high, x_low=x_low,
                                  **kwargs)


def markov_public_goods(delta: float, switch: float = 0.1, learning_by_doing: float = 0.0,
                        stationary=(0.5, 0.5), x_high: float = 1.2, x_low: float = 0.2,
                        **kwargs) -> DynamicGame:
    """Public goods (6.22) with Markov types (notes §5, game G3).

    Each period a type is redrawn from ``stationary`` = (ν(H), ν(L)) with probability
    ``switch`` (``Q(x'|x) = (1-ρ) 1{x'=x} + ρ ν(x')``); an agent who contributes then becomes
    type L with extra probability ``learning_by_doing``. ``switch = 0`` and
    ``learning_by_doing = 0`` give the static game; ``switch = 1`` gives i.i.d. types.
    The kernel is stored over the whole action profile, as (6.1) allows.
    """
    for name, v in (("switch", switch), ("learning_by_doing", learning_by_doing)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name}: must lie in [0, 1], got {v}")
    nu = np.asarray(stationary, dtype=float)
    if nu.shape != (2,) or np.any(nu < 0) or abs(nu.sum() - 1) > 1e-9:
        raise ValueError(f"stationary: must be a distribution over (H, L), got {stationary}")
    base = (1 - switch) * np.eye(2) + switch * nu[None, :]
    kernels = []
    for i in range(2):
        Q = np.zeros((2, 2, 2, 2))
        for a in product(range(2), repeat=2):
            q = base.copy()
            if a[i] == 1 and learning_by_doing > 0:
                q = (1 - learning_by_doing) * q + learning_by_doing * np.array([[0.0, 1.0], [0.0, 1.0]])
            Q[:, a[0], a[1], :] = q
        kernels.append(Q)
    kwargs.setdefault("name", "markov-public-goods")
    return public_goods(delta, x_high=x_high, x_low=x_low, kernels=kernels,
                        prior=[nu, nu], **kwargs)


def contribution_game(delta: float, costs=(0.2, 0.6, 1.2), benefit=(0.0, 1.0, 1.6, 2.0, 2.2),
                      **kwargs) -> DynamicGame:
    """Two agents, three types and three contribution levels (notes §5, game G2).

    Agent i of type x contributes a^i ∈ {0, 1, 2} at unit cost ``costs[x]``; both enjoy the
    concave ``benefit[a^1 + a^2]``: ``R^i(x, a) = benefit[a^1 + a^2] - costs[x^i] a^i``.
    Static types, ordered low to high cost: (L, M, H).
    """
    costs = np.asarray(costs, dtype=float)
    benefit = np.asarray(benefit, dtype=float)
    if costs.shape != (3,):
        raise ValueError(f"costs: expected 3 type costs, got shape {costs.shape}")
    if benefit.shape != (5,):
        raise ValueError(f"benefit: expected benefit of total contribution 0..4, got shape {benefit.shape}")
    R = np.zeros((2, 3, 3, 3, 3))
    for x1, x2, a1, a2 in product(range(3), repeat=4):
        v = benefit[a1 + a2]
        R[0, x1, x2, a1, a2] = v - costs[x1] * a1
        R[1, x1, x2, a1, a2] = v - costs[x2] * a2
    kwargs.setdefault("name", "contribution-game")
    return DynamicGame(R, types=[("L", "M", "H")] * 2, actions=[("0", "1", "2")] * 2,
                       delta=delta, **kwargs)


#: name -> (factory, one-line description), used by the command line.
CATALOG = {
    "public-goods": (public_goods, "2 agents, static types (H, L), contribute or not: thesis ch. 6 §5"),
    "markov-public-goods": (markov_public_goods, "public goods with Markov (sticky) types"),
    "threshold-public-goods": (threshold_public_goods, "3 agents, good provided if >= 1 contributes"),
    "contribution-game": (contribution_game, "2 agents, 3 types, 3 contribution levels"),
}
