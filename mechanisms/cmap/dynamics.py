"""Allocation strategies played round after round on the shared repeated-play engine.

Strategies (:data:`STRATEGIES`; notes, Seed 000 §2.2-2.3):

* ``"cmap_sequential"``: agents solve their CMAP program one after the other, each seeing the
  newest flows (Gauss-Seidel; a round is one sweep). Exact block-coordinate ascent on the concave
  ``F``: ``F`` never decreases and limit points are optimal ("converges", seed 000 §6).
* ``"cmap_simultaneous"``: every agent solves its program against ``x(t)``; all updates are applied
  together (Jacobi). This can cycle and can starve an agent (``F = -inf``; "can oscillate and
  diverge", seed 000 §6).
* ``"cmap_damped"``: ``x(t+1) = (1 - α) x(t) + α CMAP_Jacobi(x(t))`` (our option, [RECON]).
* ``"proportional_response"``: Wu-Zhang's rule, simultaneous.

Each player of :func:`mechanisms.repeated_play.repeated_play` is an agent, and its action is its
out-flow vector; a round of every agent is one joint update, the compiled kernels that
:func:`~.optimum.solve_weighted_log` also runs (a sequential round is a sweep in ``agent_order``).
The run records, for every round, the flows, receipts, ``F``, and, against the
certified optimum, the NSW ratio, the market loss and the receipt deviation (:mod:`.metrics`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mechanisms.repeated_play import repeated_play

from ._checks import community_radius
from .community import _cmap_jacobi, _cmap_sweeps, community, program_neighbours
from .flows import check_flows, receipts, uniform_split
from .network import ExchangeNetwork
from .optimum import WeightedLogOptimum, solve_weighted_log
from .proportional_response import _proportional_response_steps
from .._arrays import check_choice, check_integer, check_number, check_positive, read_only

__all__ = ["MarketRun", "run_strategy", "STRATEGIES"]

STRATEGIES = ("cmap_sequential", "cmap_simultaneous", "cmap_damped", "proportional_response")


@dataclass(frozen=True, eq=False)
class MarketRun:
    """Result of :func:`run_strategy`. Arrays are indexed by round, ``[0]`` = start.

    Attributes
    ----------
    strategy : str
    flows : ndarray (nit + 1, n_arcs)
    receipts : ndarray (nit + 1, n)
    objective : ndarray (nit + 1,)
        ``F`` (``-inf`` when an agent receives nothing).
    nsw_ratio, market_loss, receipt_deviation : ndarray (nit + 1,)
        Against ``optimum`` (:mod:`.metrics`).
    optimum : WeightedLogOptimum
    success, status, message, nit, method, parameters
        The engine's: ``success`` when no flow moved by more than ``tol * (1 + |x|)`` in the last
        round; ``nit`` rounds played.
    """
    strategy: str
    flows: np.ndarray = field(repr=False)
    receipts: np.ndarray = field(repr=False)
    objective: np.ndarray = field(repr=False)
    nsw_ratio: np.ndarray = field(repr=False)
    market_loss: np.ndarray = field(repr=False)
    receipt_deviation: np.ndarray = field(repr=False)
    optimum: WeightedLogOptimum = field(repr=False)
    success: bool
    status: int
    message: str
    nit: int
    method: str
    parameters: dict = field(default_factory=dict)


def run_strategy(network: ExchangeNetwork, strategy: str, *, start=None, k: int = 1,
                 damping: float = 0.5, max_rounds: int = 200, tol: float = 1e-12, agent_order=None,
                 optimum: WeightedLogOptimum | None = None, callback=None) -> MarketRun:
    """Play ``strategy`` for up to ``max_rounds`` rounds from ``start``.

    Parameters
    ----------
    network : ExchangeNetwork
    strategy : str
        One of :data:`STRATEGIES`.
    start : array_like (n_arcs,), optional
        Feasible start flows (default: the uniform split ``ε_i / deg_i``).
    k : int
        CMAP community radius (>= 1; the result does not depend on it, see :mod:`.community`).
    damping : float
        ``α ∈ (0, 1]`` of ``"cmap_damped"`` (ignored otherwise).
    max_rounds : int
    tol : float
        The engine's stopping threshold on the per-round relative flow change.
    agent_order : sequence of int, optional
        Update order of ``"cmap_sequential"`` (default ``0..n-1``); a permutation of the agents.
    optimum : WeightedLogOptimum, optional
        The certified optimum for the metrics (default: :func:`~.optimum.solve_weighted_log`).
    callback : callable, optional
        Passed to the engine: ``callback(state)`` with a
        :class:`~mechanisms.repeated_play.RoundState`; raise ``StopIteration`` to stop.
    """
    check_choice("strategy", strategy, STRATEGIES)
    if not isinstance(network, ExchangeNetwork):
        raise TypeError(f"network: expected an ExchangeNetwork; got {type(network).__name__}")
    k = community_radius(k)
    damping = check_positive("damping", damping)
    if damping > 1:
        raise ValueError(f"damping: expected a number in (0, 1]; got {damping!r}")
    max_rounds = check_integer("max_rounds", max_rounds)
    tol = check_number("tol", tol, nonnegative=True)
    n = network.n_agents
    if agent_order is None:
        order = list(range(n))
    else:
        order = [int(i) for i in agent_order]
        if sorted(order) != list(range(n)):
            raise ValueError(f"agent_order: expected a permutation of 0..{n - 1}; got {list(agent_order)!r}")
    x0 = uniform_split(network) if start is None else check_flows(network, start, name="start")
    if strategy == "proportional_response" and np.any(x0 <= 0):
        raise ValueError("start: proportional response needs a positive flow on every arc")
    if optimum is None:
        optimum = solve_weighted_log(network)
    elif not isinstance(optimum, WeightedLogOptimum):
        raise TypeError(f"optimum: expected a WeightedLogOptimum; got {type(optimum).__name__}")

    for i in range(n):  # the program of every agent is determined by its k-hop community
        program_neighbours(network, i, community(network, i, k))
    cuts = network.indptr[1:-1]
    arrays = (network.indptr, network.heads, network.reverse, network.values)
    agents = np.array(order, dtype=np.int64)

    def update(profile):
        x = np.concatenate(profile)
        if strategy == "cmap_sequential":
            _cmap_sweeps(x, agents, *arrays, network.weights, 1)
            return x
        if strategy == "proportional_response":
            starving = _proportional_response_steps(x, *arrays, network.endowments, 1)
            if starving >= 0:
                raise RuntimeError(f"agent {starving} received nothing in the previous round")
            return x
        out = np.empty_like(x)
        _cmap_jacobi(x, *arrays, network.weights, out)
        return out if strategy == "cmap_simultaneous" else (1.0 - damping) * x + damping * out

    play = repeated_play(update, tuple(np.split(x0, cuts)), joint=True, max_rounds=max_rounds,
                         tol=tol, callback=callback)
    flows = np.array([np.concatenate(p) for p in play.history])
    U = np.array([receipts(network, x) for x in flows])
    w = network.weights
    with np.errstate(divide="ignore"):
        F = np.where(np.all(U > 0, axis=1), np.log(np.maximum(U, 1e-300)) @ w, -np.inf)
    W = float(w.sum())
    with np.errstate(invalid="ignore"):
        ratio = np.where(np.isfinite(F), np.exp((F - optimum.objective) / W), 0.0)
    loss = optimum.objective - F
    tv = 0.5 * np.abs(U - optimum.receipts).sum(axis=1) / optimum.receipts.sum()
    return MarketRun(
        strategy=strategy, flows=read_only(flows), receipts=read_only(U), objective=read_only(F),
        nsw_ratio=read_only(ratio), market_loss=read_only(loss), receipt_deviation=read_only(tv),
        optimum=optimum, success=play.success, status=play.status, message=play.message,
        nit=play.nit, method=f"repeated-play:{strategy}",
        parameters={"k": k, "damping": damping if strategy == "cmap_damped" else None,
                    "max_rounds": max_rounds, "tol": tol, "agent_order": order,
                    "start": "uniform split" if start is None else "given"})
