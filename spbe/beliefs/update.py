"""The Bayesian update of public beliefs, F of thesis eq. (6.7).

For agent j with belief π^j, prescription γ^j and the public action profile a::

                   Σ_x π^j(x) γ^j(a^j|x) Q^j(x'|x, a)
    F(π^j,γ^j,a)(x') = -------------------------------   if Den = Σ_x π^j(x) γ^j(a^j|x) > 0,
                                 Den
    F(π^j,γ^j,a)(x') = Σ_x π^j(x) Q^j(x'|x, a)           if Den = 0  (a^j has zero probability).

The zero-denominator branch is the thesis' off-path rule: the prior propagated through the type
kernel (for static types the belief does not move). It equals the limit of Bayes' rule under
type-independent trembles. F^j depends on γ^j only, never on γ^{-j} (which Lemma 3.2 relies on).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["bayes_update", "update_agent_belief"]


def update_agent_belief(pi, likelihood, transition=None, *, offpath: bool | None = None):
    """F of (6.7) for one agent (pure numpy).

    Parameters
    ----------
    pi : (M,) array
        The agent's public belief π^j.
    likelihood : (M,) array
        ``γ^j(a^j | x)`` for every type x: the probability that each type takes the observed action.
    transition : (M, M) array, optional
        ``Q^j(x' | x, a)`` at the observed action profile; ``None`` for a static type.
    offpath : bool, optional
        Force (True) or forbid (False) the zero-denominator branch. By default it is taken
        when the denominator is exactly zero.

    Returns
    -------
    (M,) array, the updated belief.
    """
    pi = np.asarray(pi, dtype=float)
    likelihood = np.asarray(likelihood, dtype=float)
    joint = pi * likelihood
    den = joint.sum()
    if offpath is None:
        offpath = not den > 0.0
    weights = pi if offpath else joint / den
    if transition is None:
        return weights.copy()
    return weights @ np.asarray(transition, dtype=float)


def bayes_update(game, belief: Sequence, strategy: Sequence, actions: Sequence[int]
                 ) -> tuple[np.ndarray, ...]:
    """The vector update F(π, γ, a) = (F(π^j, γ^j, a))_j of (6.7) for a whole game.

    Parameters
    ----------
    game : DynamicGame
    belief : sequence of per-agent probability vectors (scalars allowed for binary types)
    strategy : sequence of per-agent ``(M_j, K_j)`` prescriptions γ^j(a^j | x^j)
    actions : sequence of int
        The observed action profile a = (a^1, ..., a^N), as action indices.

    Examples
    --------
    >>> import spbe
    >>> g = spbe.examples.public_goods(delta=0.9)
    >>> # agent 1's H type never contributes, its L type always does: contributing reveals L
    >>> gamma = ([[1, 0], [0, 1]], [[1, 0], [1, 0]])
    >>> [p.round(3) for p in spbe.bayes_update(g, ([0.5, 0.5], [0.3, 0.7]), gamma, (1, 0))]
    [array([0., 1.]), array([0.3, 0.7])]
    """
    pis = game.normalize_belief(belief)
    gammas = game.normalize_strategy(strategy)
    actions = tuple(int(a) for a in actions)
    if len(actions) != game.n_agents:
        raise ValueError(f"actions: expected one action per agent ({game.n_agents}), got {len(actions)}")
    for j, (a, k) in enumerate(zip(actions, game.n_actions)):
        if not 0 <= a < k:
            raise ValueError(f"actions[{j}]: action index {a} is outside 0..{k - 1}")
    out = []
    for j in range(game.n_agents):
        transition = None if game.static[j] else game.kernels[j][(slice(None),) + actions]
        out.append(update_agent_belief(pis[j], gammas[j][:, actions[j]], transition))
    return tuple(out)
