"""Action values of the stage fixed point, U^i(π, x^i, a^i; γ̃, V) (thesis (6.4)/(6.17a)).

Equation (6.4) holds at γ̃ if and only if, for every agent i and type x^i, the support of
γ̃^i(·|x^i) lies in argmax_a U^i(π, x^i, a; γ̃, V), where (implementation notes §1.3)

    U^i(π, x^i, a^i; γ̃, V) = Σ_{x^{-i}, a^{-i}} Π_{j≠i} π^j(x^j) γ̃^j(a^j|x^j)
                  · [ R^i(x, a) + δ Σ_{x'} Q^i(x'|x^i, a) V^i(F(π, γ̃, a), x') ].

The continuation belief F uses the *equilibrium* prescription γ̃, including agent i's own:
this is what makes (6.4) a fixed point rather than a best-response problem.

Two implementations: a numba kernel (``backend="numba"``, V on a grid) and a pure-numpy
reference (``backend="numpy"``, V on a grid or any callable) that the tests compare.
"""
from __future__ import annotations

from itertools import product
from typing import Callable, Optional, Union

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.update import update_agent_belief

__all__ = ["action_values", "StageEvaluator"]

ValueLike = Union[None, ContinuationValue, Callable]


def _check_value(V, game) -> None:
    if V is None or callable(V) and not isinstance(V, ContinuationValue):
        return
    if not isinstance(V, ContinuationValue):
        raise TypeError(f"V: expected None, a ContinuationValue or a callable, got {type(V).__name__}")
    if V.grid.n_types != game.n_types:
        raise ValueError(f"V: its grid has type counts {V.grid.n_types}, the game has {game.n_types}")


class StageEvaluator:
    """Evaluates U at one belief for many candidate prescriptions (the stage solver's inner loop).

    Parameters
    ----------
    game : DynamicGame
    belief : (N, M_max) padded belief
    V : None, ContinuationValue or callable ``V(belief) -> per-agent arrays over types``
    delta : float
    backend : ``"numba"`` (default) or ``"numpy"``; a callable V forces ``"numpy"``.
    """

    def __init__(self, game, belief: np.ndarray, V: ValueLike, delta: float, backend: str = "numba"):
        if backend not in ("numba", "numpy"):
            raise ValueError(f"backend: must be 'numba' or 'numpy', got {backend!r}")
        _check_value(V, game)
        self.game = game
        self.belief = np.ascontiguousarray(belief, dtype=float)
        self.V = V
        self.delta = float(delta)
        if V is not None and not isinstance(V, ContinuationValue):
            backend = "numpy"
        self.backend = backend
        self.n_evaluations = 0
        if backend == "numba":
            from .._kernels.stage import action_values as kernel
            self._kernel = kernel
            arrays = game.padded_arrays()
            self._game_args = (arrays["rewards"], arrays["kernels"], arrays["static"],
                               arrays["n_types"], arrays["n_actions"], arrays["type_profiles"],
                               arrays["action_profiles"])
            if isinstance(V, ContinuationValue):
                self._value_args = (V.flat_values, True) + V.grid.kernel_data
            else:
                dummy = np.zeros(1, dtype=np.int64)
                self._value_args = (np.zeros((1, 1)), False, dummy, dummy, dummy, dummy, dummy)
            self._out = np.empty((game.n_agents, max(game.n_types), max(game.n_actions)))

    def __call__(self, gamma: np.ndarray, offpath: np.ndarray) -> np.ndarray:
        """U as an ``(N, M_max, K_max)`` array (padded entries are 0).

        ``gamma`` is the padded prescription profile and ``offpath`` the ``(N, K_max)`` mask
        of actions whose posterior takes the zero-denominator branch of (6.7).
        """
        self.n_evaluations += 1
        if self.backend == "numba":
            self._kernel(self.belief, gamma, offpath, *self._game_args, self.delta,
                         *self._value_args, self._out)
            return self._out.copy()
        return _action_values_reference(self.game, self.belief, gamma, offpath, self.V, self.delta)


def _action_values_reference(game, belief, gamma, offpath, V, delta) -> np.ndarray:
    """Pure-numpy U: tensor contractions for the reward, a loop over action profiles for V."""
    N, M, K = game.n_agents, game.n_types, game.n_actions
    out = np.zeros((N, max(M), max(K)))
    # joint[j][x, a] = π^j(x) γ^j(a|x), broadcast into the (x_1..x_N, a_1..a_N) layout
    joint = []
    for j in range(N):
        shape = [1] * (2 * N)
        shape[j], shape[N + j] = M[j], K[j]
        joint.append((belief[j, :M[j], None] * gamma[j, :M[j], :K[j]]).reshape(shape))
    for i in range(N):
        weight = np.ones([1] * (2 * N))
        for j in range(N):
            if j != i:
                weight = weight * joint[j]
        keep = tuple(ax for ax in range(2 * N) if ax not in (i, N + i))
        out[i, :M[i], :K[i]] = (game.rewards[i] * weight).sum(axis=keep)
    if V is None or delta == 0.0:
        return out
    sigma = [belief[j, :M[j]] @ gamma[j, :M[j], :K[j]] for j in range(N)]
    for a in product(*(range(k) for k in K)):
        next_belief = []
        for j in range(N):
            transition = None if game.static[j] else game.kernels[j][(slice(None),) + a]
            next_belief.append(update_agent_belief(belief[j, :M[j]], gamma[j, :M[j], a[j]], transition,
                                                   offpath=bool(offpath[j, a[j]]) or None))
        if isinstance(V, ContinuationValue):
            cont = V(next_belief, backend="numpy")
        else:
            cont = tuple(np.asarray(v, dtype=float) for v in V(tuple(next_belief)))
        for i in range(N):
            w = np.prod([sigma[j][a[j]] for j in range(N) if j != i])
            if w == 0.0:
                continue
            q = game.kernels[i][(slice(None),) + a]          # (M_i, M_i): Q^i(x'|x, a)
            out[i, :M[i], a[i]] += delta * w * (q @ cont[i])
    return out


def offpath_mask(game, belief: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """``(N, K_max)`` mask: action a^j has zero probability under every type in supp π^j."""
    N = game.n_agents
    mask = np.zeros((N, gamma.shape[2]), dtype=np.bool_)
    for j in range(N):
        m, k = game.n_types[j], game.n_actions[j]
        support = belief[j, :m] > 0
        mask[j, :k] = ~np.any(gamma[j, :m, :k][support] > 0, axis=0)
    return mask


def action_values(game, belief, strategy, V: ValueLike = None, *, delta: Optional[float] = None,
                  backend: str = "numba") -> tuple[np.ndarray, ...]:
    """U^i(π, x^i, a^i; γ̃, V) for every agent, as a tuple of ``(M_i, K_i)`` arrays.

    Parameters
    ----------
    game : DynamicGame
    belief : sequence of per-agent probability vectors
    strategy : sequence of ``(M_i, K_i)`` prescriptions γ̃^i
    V : None (no continuation), ContinuationValue, or callable ``V(belief) -> per-agent arrays``
    delta : float, optional
        Discount of the continuation; default ``game.delta``.
    backend : ``"numba"`` or ``"numpy"``

    The zero-denominator branch of (6.7) is taken for actions that no type in the support
    of π^j plays with positive probability.
    """
    pb = game.padded_belief(belief)
    gamma = game.padded_strategy(strategy)
    delta = game.delta if delta is None else float(delta)
    evaluator = StageEvaluator(game, pb, V, delta, backend=backend)
    U = evaluator(gamma, offpath_mask(game, pb, gamma))
    return tuple(U[i, :m, :k].copy() for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)))
