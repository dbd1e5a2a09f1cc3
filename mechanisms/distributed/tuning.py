"""Tuning of the contraction parameters ``(xi, delta)`` from the graph, thesis ch. 4 Appendix
7.6-7.7 (proofs of Theorems 5.4 and 5.5).

Let ``S_i^xi = sum_{r in N(i)} xi^{-1} + sum_{r not in N(i), r != i} xi^{-(d(i,r)-1)}``.

Private goods (4.65)-(4.71): the ``y_i`` row of the best-response Jacobian sums to
``a/(delta xi) + |1/(N-1) - a/delta| S_i^xi`` (``a = -1/v_i''``). With

    C_i = xi^{-e_i} - S_i^xi (< 0),      D_i = N - 1 - S_i^xi (< 0),

``R(xi) = min_i |C_i / D_i|`` and ``delta = (N - 1) sqrt(R(xi))`` (4.69), the best response is a
row-sum contraction for every utility profile with curvature bound ``eta`` iff
``eta^2 < R(xi)`` (4.70) (``e_i = d(n(i,i), i) = 1`` on undirected graphs). Needs ``N >= 3``.

Public good (4.77)-(4.84): with ``xi^2 > (N-1)/N`` (4.78),

    C_i = 1 + S_i^xi,    D_i = xi^{-1} sum_{d(i,r) >= 3} (xi^{-(d(i,r)-2)} - 1) + N xi (1 - xi),

``R(xi) = min_i C_i / D_i``, ``delta = sqrt(R(xi)) / N`` (4.82) and the condition ``eta^2 < R(xi)``
((4.83), missing from the dump).

The thesis gives no rule for ``xi``. ``tune(method="halving")`` starts at ``1 - xi = 0.75`` and
halves ``1 - xi`` until the condition holds; for the private mechanism this reproduces both
private entries of Table 1 (``0.75 * 2**-12 = 1.831e-4`` on the 31-node binary tree). Table 1's
public ``xi`` come from an unknown rule. Differences ``xi^{-k} - 1`` are computed with ``expm1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_choice
from .graphs import CommunicationGraph

__all__ = ["ContractionTuning", "contraction_ratio", "tuned_delta", "tune", "KINDS"]

KINDS = ("private", "public")


def _check(graph, xi, kind):
    if not isinstance(graph, CommunicationGraph):
        raise TypeError(f"graph: expected a CommunicationGraph; got {type(graph).__name__}")
    check_choice("kind", kind, KINDS)
    if not (np.isfinite(xi) and 0 < xi < 1):
        raise ValueError(f"xi: expected a number in (0, 1); got {xi!r}")
    if kind == "private" and graph.n_agents < 3:
        raise ValueError(f"graph: private-goods tuning needs N >= 3 agents (C_i = 0 for N = 2); "
                         f"got N = {graph.n_agents}")


def _excess(xi, k):
    """``xi^{-k} - 1`` for integer arrays ``k >= 0`` (no cancellation)."""
    return np.expm1(-np.asarray(k, dtype=np.float64) * np.log(xi))


def _ratios(graph, xi, kind):
    n = graph.n_agents
    d = graph.distances
    nb = graph.adjacency
    off = ~np.eye(n, dtype=bool)
    k = np.where(nb, 1, d - 1)
    ex = np.where(off, _excess(xi, np.where(off, k, 0)), 0.0)
    excess_sum = ex.sum(axis=1)                       # S_i^xi - (N - 1)
    if kind == "private":
        e = graph.self_hop_distance()
        c = (1.0 + _excess(xi, e)) - (n - 1) - excess_sum
        dd = -excess_sum
        return np.abs(c / dd), c, dd
    far = d >= 3
    c = 1.0 + (n - 1) + excess_sum
    dd = np.where(far, _excess(xi, np.where(far, d - 2, 0)), 0.0).sum(axis=1) / xi + n * xi * (1 - xi)
    return c / dd, c, dd


def contraction_ratio(graph: CommunicationGraph, xi: float, kind: str = "private") -> float:
    """``R(xi) = min_i |C_i/D_i|`` (private, (4.70)) or ``min_i C_i/D_i`` (public, (4.82))."""
    _check(graph, xi, kind)
    if kind == "public" and np.any(graph.self_hop_distance() != 1):
        raise NotImplementedError("graph: public tuning assumes d(n(i,i), i) = 1 for every agent")
    return float(np.min(_ratios(graph, xi, kind)[0]))


def tuned_delta(graph: CommunicationGraph, xi: float, kind: str = "private") -> float:
    """``delta(xi) = (N-1) sqrt(R(xi))`` (private, (4.69)) or ``sqrt(R(xi))/N`` (public, (4.82))."""
    r = contraction_ratio(graph, xi, kind)
    n = graph.n_agents
    return float((n - 1) * np.sqrt(r)) if kind == "private" else float(np.sqrt(r) / n)


@dataclass(frozen=True, eq=False)
class ContractionTuning:
    """A choice of ``(xi, delta)`` and the condition it certifies (``eta^2 < ratio``).

    ``success`` is True when ``eta^2 * safety < ratio`` (and, for the public good,
    ``xi^2 > (N-1)/N``); ``nit`` counts halvings or bisection steps.
    """
    kind: str
    xi: float
    delta: float
    ratio: float
    eta: float
    success: bool
    message: str
    nit: int
    method: str
    parameters: dict = field(default_factory=dict)

    @property
    def one_minus_xi(self) -> float:
        return 1.0 - self.xi


def _ok(graph, xi, kind, eta, safety):
    if kind == "public" and xi * xi <= (graph.n_agents - 1) / graph.n_agents:
        return False, 0.0
    r = contraction_ratio(graph, xi, kind)
    return eta * eta * safety < r, r


def tune(graph: CommunicationGraph, eta: float, kind: str = "private", *, method: str = "halving",
         start: float = 0.75, safety: float = 1.0, max_steps: int = 60) -> ContractionTuning:
    """Choose ``xi`` and then ``delta(xi)`` so that ``eta^2 * safety < R(xi)``.

    Parameters
    ----------
    method : {"halving", "bisect"}
        ``"halving"``: ``1 - xi = start * 2**-k`` for the smallest ``k`` that works (reproduces the
        private entries of Table 1). ``"bisect"``: the largest ``1 - xi`` in ``(0, start]`` that
        works, to relative precision ``2**-max_steps`` on ``log(1 - xi)``.
    safety : float >= 1
        Margin on the condition.
    """
    _check(graph, 0.5, kind)
    if not (np.isfinite(eta) and eta > 1):
        raise ValueError(f"eta: expected a curvature bound > 1; got {eta!r}")
    if not (0 < start < 1):
        raise ValueError(f"start: expected 1 - xi to start in (0, 1); got {start!r}")
    if not (np.isfinite(safety) and safety >= 1):
        raise ValueError(f"safety: expected a number >= 1; got {safety!r}")
    check_choice("method", method, ("halving", "bisect"))
    params = {"eta": float(eta), "kind": kind, "method": method, "start": float(start),
              "safety": float(safety), "max_steps": int(max_steps), "graph": graph.name}
    gap = float(start)
    nit = 0
    ok, r = _ok(graph, 1 - gap, kind, eta, safety)
    while not ok and nit < max_steps:
        gap /= 2
        nit += 1
        ok, r = _ok(graph, 1 - gap, kind, eta, safety)
    if ok and method == "bisect" and nit > 0:
        lo, hi = np.log(gap), np.log(2 * gap)           # lo works, hi fails
        for _ in range(max_steps):
            mid = 0.5 * (lo + hi)
            if _ok(graph, 1 - np.exp(mid), kind, eta, safety)[0]:
                lo = mid
            else:
                hi = mid
            nit += 1
            if hi - lo < 1e-12:
                break
        gap = float(np.exp(lo))
        ok, r = _ok(graph, 1 - gap, kind, eta, safety)
    xi = 1 - gap
    if not ok:
        return ContractionTuning(kind, xi, float("nan"), r, float(eta), False,
                                 f"no xi found with eta^2 < R(xi) after {nit} steps", nit, method, params)
    delta = tuned_delta(graph, xi, kind)
    return ContractionTuning(kind, xi, delta, r, float(eta), True,
                             f"eta^2 = {eta * eta:.6g} < R(xi) = {r:.6g} at 1 - xi = {gap:.6g}",
                             nit, method, params)
