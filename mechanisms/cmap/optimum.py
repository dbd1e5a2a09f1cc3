"""The market-level program: the weighted-log (Eisenberg-Gale type) optimum and its certificate.

Program (notes, Seed 000 §2.1):  ``max_{x ∈ X} F(x) = Σ_j w_j log U_j(x)``, ``w_j = ε_j v_j``.

In value units ``y_pj = v_p x_pj`` agent ``p`` has the budget ``Σ_j y_pj = w_p`` and
``U_j = Σ_p y_pj``. ``F`` is concave; the optimal receipts ``U*`` are unique (``x*`` need not be).

Certificate of optimality. With prices ``λ_p = max_{j ∈ N_p} w_j / U_j`` (value units), ``x`` is
optimal iff ``w_j / U_j = λ_p`` on every arc ``p -> j`` that carries flow (KKT). The Lagrangian dual
of the budget constraints gives the bound, for every ``λ > 0``,

    F*  <=  g(λ) = Σ_j [ w_j log(w_j / μ_j) - w_j ] + Σ_p λ_p w_p,   μ_j = min_{p ∈ N_j} λ_p

(receiver ``j`` buys value most cheaply from its cheapest neighbour). So ``gap = g(λ) - F(x) >= 0``
bounds the suboptimality ``F* - F(x)``, the NSW ratio of ``x`` is at least ``exp(-gap / W)``, and
the gap is 0 exactly at the optimum. At the optimum ``α = U / w`` satisfies ``α_i α_j = 1`` on
every flow arc and ``λ_i = α_i`` for every agent (Wu-Zhang bottleneck decomposition).

Solvers: ``"block_ascent"`` (sequential CMAP sweeps = exact block-coordinate ascent; default) and
``"proportional_response"`` (Wu-Zhang): the dynamics of :mod:`.dynamics` themselves, played on
the layer's repeated-play engine with ``check_every`` compiled rounds per engine round. An
independent check with a generic NLP solver lives in the tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mechanisms.repeated_play import repeated_play
from mechanisms.results import MechanismResult

from .community import _cmap_sweeps
from .flows import check_flows, objective, receipts, uniform_split
from .network import ExchangeNetwork
from .proportional_response import _proportional_response_steps
from .._arrays import check_choice, check_integer, check_number, read_only

__all__ = ["OptimalityCertificate", "WeightedLogOptimum", "certify_optimality", "solve_weighted_log",
           "SOLVE_METHODS"]

SOLVE_METHODS = ("block_ascent", "proportional_response")

_STATUS = {
    0: "optimum certified: duality gap / W = {gap:.2e} <= tol and receipts settled after {nit} {unit}",
    1: "max_rounds = {nit} reached; duality gap / W = {gap:.2e}",
}


@dataclass(frozen=True, eq=False)
class OptimalityCertificate:
    """KKT quantities and the dual bound of a flow profile (module docstring).

    Attributes
    ----------
    objective : float
        ``F(x)``.
    upper_bound : float
        ``g(λ) >= F*``.
    duality_gap : float
        ``g(λ) - F(x) >= F* - F(x)`` (tiny negative values are rounding).
    prices : ndarray (n,)
        ``λ_i = max_{j ∈ N_i} w_j / U_j``.
    ratios : ndarray (n,)
        ``α = U / w``.
    kkt_residual : float
        ``max over arcs of (y_ij / w_i) (1 - (w_j / U_j) / λ_i)``: the share of a budget sent to a
        neighbour that is not among the most under-served, weighted by how far it is from them.
    total_weight : float
        ``W = Σ_j w_j`` (the NSW ratio of ``x`` is at least ``exp(-duality_gap / W)``).
    """
    objective: float
    upper_bound: float
    duality_gap: float
    prices: np.ndarray = field(repr=False)
    ratios: np.ndarray = field(repr=False)
    kkt_residual: float = 0.0
    total_weight: float = float("nan")

    def as_result(self, tol: float = 1e-12) -> MechanismResult:
        """The layer's common record: ``x`` is certified optimal to ``duality_gap / W <= tol`` by
        the Lagrangian dual bound (method ``"lp-certified"``); ``max_gain`` is the duality gap,
        a bound on ``F* - F(x)``; ``welfare`` is ``F(x)``."""
        rel = self.duality_gap / self.total_weight
        return MechanismResult(
            mechanism="seed000-cmap", checked="optimum of the weighted-log program (NSW)",
            method="lp-certified", success=bool(rel <= tol),
            message=f"duality gap / W = {rel:.3g} ({'<=' if rel <= tol else '>'} {tol:g}); "
                    f"NSW ratio >= {np.exp(-rel):.12g}",
            max_gain=float(self.duality_gap), welfare=float(self.objective), details=self,
            parameters={"tol": tol})


@dataclass(frozen=True, eq=False)
class WeightedLogOptimum:
    """Result of :func:`solve_weighted_log`.

    Attributes
    ----------
    x : ndarray (n_arcs,)
        Optimal flows (one optimum; ``x*`` need not be unique).
    receipts : ndarray (n,)
        ``U*`` (unique).
    objective : float
        ``F(x*)``.
    certificate : OptimalityCertificate
    success, status, message, nit, method, parameters
        As in scipy / the style guide. ``nit`` counts sweeps (block ascent) or steps (PR).
    """
    x: np.ndarray = field(repr=False)
    receipts: np.ndarray = field(repr=False)
    objective: float
    certificate: OptimalityCertificate = field(repr=False)
    success: bool
    status: int
    message: str
    nit: int
    method: str
    parameters: dict = field(default_factory=dict)
    network: ExchangeNetwork = field(default=None, repr=False)

    @property
    def nash_social_welfare(self) -> float:
        """``exp(F* / W)``, the weighted geometric mean of the receipts."""
        return float(np.exp(self.objective / self.network.weights.sum()))


def certify_optimality(network: ExchangeNetwork, x) -> OptimalityCertificate:
    """KKT prices, ratios, residual and the duality gap of the flow profile ``x``."""
    x = check_flows(network, x)
    U = receipts(network, x)
    w = network.weights
    F = objective(network, receipts_=U)
    if not np.isfinite(F):
        nan = np.full(network.n_agents, np.nan)
        return OptimalityCertificate(F, np.inf, np.inf, read_only(nan), read_only(U / w), np.inf,
                                     float(w.sum()))
    marginal = w[network.heads] / U[network.heads]  # w_j / U_j on arc i -> j
    lam = np.maximum.reduceat(marginal, network.indptr[:-1])
    mu = np.minimum.reduceat(lam[network.heads], network.indptr[:-1])  # min over j's neighbours
    bound = float(np.sum(w * np.log(w / mu) - w) + np.dot(lam, w))
    share = network.values[network.tails] * x / w[network.tails]
    kkt = float(np.max(share * (1.0 - marginal / lam[network.tails])))
    return OptimalityCertificate(objective=F, upper_bound=bound, duality_gap=bound - F,
                                 prices=read_only(lam), ratios=read_only(U / w), kkt_residual=kkt,
                                 total_weight=float(w.sum()))


def solve_weighted_log(network: ExchangeNetwork, *, method: str = "block_ascent", start=None,
                       tol: float = 1e-12, xtol: float = 1e-13, max_rounds: int = 200_000,
                       check_every: int | None = None) -> WeightedLogOptimum:
    """Solve ``max Σ_j w_j log U_j(x)`` over the feasible flows and certify the answer.

    Parameters
    ----------
    network : ExchangeNetwork
    method : {"block_ascent", "proportional_response"}
        ``"block_ascent"``: sweeps of sequential CMAP (agents in index order), i.e. exact
        block-coordinate ascent on the concave ``F``; each block's maximiser is unique, so limit
        points are optimal (Bertsekas, *Nonlinear Programming*, Prop. 2.7.1).
        ``"proportional_response"``: Wu-Zhang's proportional response from a positive start;
        converges to the market equilibrium, slowly (sublinearly) on arcs without flow at ``x*``.
    start : array_like (n_arcs,), optional
        Feasible start (default: the uniform split). PR needs every arc positive.
    tol : float
        Stop when ``duality_gap / W <= tol`` (then ``NSW(x) / NSW* >= exp(-tol)``) ...
    xtol : float
        ... and no receipt moved by more than ``xtol * (1 + U_j)`` since the last check.
    max_rounds : int
        Largest number of sweeps / steps.
    check_every : int, optional
        Rounds between checks of the stopping rule (default 1 for block ascent, 100 for PR).

    Returns
    -------
    WeightedLogOptimum
    """
    check_choice("method", method, SOLVE_METHODS)
    tol = check_number("tol", tol, nonnegative=True)
    xtol = check_number("xtol", xtol, nonnegative=True)
    max_rounds = check_integer("max_rounds", max_rounds)
    if check_every is None:
        check_every = 1 if method == "block_ascent" else 100
    check_every = check_integer("check_every", check_every)
    x = uniform_split(network) if start is None else check_flows(network, start, name="start").copy()
    if method == "proportional_response" and np.any(x <= 0):
        raise ValueError("start: proportional response needs a positive flow on every arc "
                         "(an arc at 0 stays at 0)")
    W = float(network.weights.sum())
    arrays = (network.indptr, network.heads, network.reverse, network.values)
    agents = np.arange(network.n_agents, dtype=np.int64)
    last = {"U": receipts(network, x)}

    def rounds(profile, done):
        """``check_every`` sweeps / steps (fewer in the last engine round)."""
        y = np.array(profile, dtype=np.float64)
        steps = min(check_every, max_rounds - done)
        if method == "block_ascent":
            _cmap_sweeps(y, agents, *arrays, network.weights, steps)
        else:
            _proportional_response_steps(y, *arrays, network.endowments, steps)
        return y, done + steps

    def certified(rs):
        U = receipts(network, rs.profile)
        moved = float(np.max(np.abs(U - last["U"]) / (1.0 + last["U"])))
        last["U"] = U
        return certify_optimality(network, rs.profile).duality_gap / W <= tol and moved <= xtol

    play = repeated_play(rounds, x, joint=True, state=0, stop=certified, record_every=0,
                         max_rounds=-(-max_rounds // check_every))
    x, U, nit = np.array(play.final), last["U"], play.state
    status = 0 if play.status == 5 else 1
    cert = certify_optimality(network, x)
    unit = "sweeps" if method == "block_ascent" else "steps"
    message = _STATUS[status].format(gap=cert.duality_gap / W, nit=nit, unit=unit)
    return WeightedLogOptimum(
        x=read_only(x), receipts=read_only(U), objective=cert.objective, certificate=cert,
        success=status == 0, status=status, message=message, nit=nit, method=method,
        parameters={"tol": tol, "xtol": xtol, "max_rounds": max_rounds, "check_every": check_every,
                    "start": "uniform split" if start is None else "given"},
        network=network)
