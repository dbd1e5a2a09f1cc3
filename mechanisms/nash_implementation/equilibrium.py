"""Equilibria constructed from the centralized optimum, and their certificate.

The existence lemmas (ch. 1 Lemma 3.7, ch. 2 Lemma 3.7, ch. 3 Lemma 4.6) build a Nash equilibrium
from a KKT pair ``(x*, lambda*)``: demands that the allocation maps to ``x*`` and every agent
quoting the multipliers. :func:`certify_equilibrium` checks such a profile numerically: the
allocation error ``max_i |x_i - x*_i|``, the largest one-agent deviation gain found
(:func:`~.deviations.max_deviation_gain`), the KKT residuals of the quoted prices, the budget
(``sum t``), and individual rationality ``u^_i(s) - v_i(0)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..results import MechanismResult
from .centralized import kkt_residuals
from .deviations import max_deviation_gain
from .multicast import MulticastMechanism

__all__ = ["equilibrium_from_optimum", "quoted_prices", "EquilibriumCertificate", "certify_equilibrium"]


def equilibrium_from_optimum(mechanism, solution, **options):
    """The profile of the existence lemma for ``mechanism`` built from ``solution``.

    Options: ``kappa`` (ch. 1-2: ``y = kappa x*``, ``rho = 1/kappa``), ``member_prices`` (ch. 2:
    another valid ``mu``), ``stretch`` / ``demands`` (ch. 3: ``y = theta + stretch (x* - theta)``).
    """
    return mechanism.equilibrium_messages(solution, **options)


def quoted_prices(mechanism, messages):
    """Prices read from a profile, as KKT multipliers: returns ``(prices, member_prices, spread)``.

    Ch. 1/3: ``prices[l]`` = mean quote on ``l``; ``spread`` = largest difference between quotes
    on a link (0 at any equilibrium, Lemma 3.3 / 4.2). Ch. 2: ``prices[l]`` = mean of the group
    totals ``w^l_k``, ``member_prices`` = the price each agent pays (``2q`` of its predecessor, or
    ``wbar`` for a singleton group); ``spread`` also covers ``2q^l_ki - 1q^l_ke`` (Lemma 3.3 (b)).
    """
    messages = mechanism.check_messages(messages)
    A = mechanism.network.coefficients
    member = A != 0
    if isinstance(mechanism, MulticastMechanism):
        Q1, Q2 = mechanism._price_matrices(messages)
        w = Q1 @ mechanism._same_group
        rows = np.arange(A.shape[0])[:, None]
        W = Q1.sum(axis=1, keepdims=True)
        wbar = (W - w) / (mechanism._k_on[:, None] - 1)
        paid = np.where(mechanism._shared, Q2[rows, mechanism._pred], wbar)
        succ_q1 = Q1[rows, mechanism._succ]
        spread = 0.0
        prices = np.zeros(A.shape[0])
        for l in range(A.shape[0]):
            wl = w[l, member[l]]
            prices[l] = wl.mean()
            spread = max(spread, float(np.ptp(wl)))
            sh = member[l] & mechanism._shared[l]
            if np.any(sh):
                spread = max(spread, float(np.max(np.abs(Q2[l, sh] - succ_q1[l, sh]))))
        return prices, np.where(member, paid, 0.0), spread
    P = mechanism._price_matrix(messages, 1)
    prices = np.array([P[l, member[l]].mean() for l in range(A.shape[0])])
    spread = max(float(np.ptp(P[l, member[l]])) for l in range(A.shape[0]))
    return prices, None, spread


@dataclass(frozen=True, eq=False)
class EquilibriumCertificate:
    """Numerical certificate of a candidate equilibrium (see :func:`certify_equilibrium`)."""
    mechanism: str
    x: np.ndarray
    taxes: np.ndarray
    total_tax: float
    payoffs: np.ndarray
    individual_rationality_margins: np.ndarray
    allocation_error: float
    max_deviation_gain: float
    price_spread: float
    kkt: dict
    budget_balance: str
    budget_balance_holds: bool
    success: bool
    message: str
    deviation_report: object = field(repr=False, default=None)
    parameters: dict = field(default_factory=dict)

    def as_result(self, utilities=None) -> MechanismResult:
        """The layer's common record. The deviation check is a numerical search (method
        ``"searched"``): a gain below ``tol`` is evidence of an equilibrium, not a proof."""
        welfare = None if utilities is None else float(sum(float(u.value(xi))
                                                            for u, xi in zip(utilities, self.x)))
        return MechanismResult(
            mechanism=self.mechanism, checked="Nash equilibrium implementing the optimum",
            method="searched", success=self.success, message=self.message,
            max_gain=float(self.max_deviation_gain),
            budget_imbalance=float(abs(self.total_tax) / max(1.0, float(np.abs(self.taxes).sum()))),
            individually_rational=bool(np.min(self.individual_rationality_margins) >= -1e-9),
            allocation=self.x, welfare=welfare, details=self, parameters=self.parameters)


def certify_equilibrium(mechanism, utilities, messages, solution, *, tol: float = 1e-8,
                        budget_tol: float = 1e-9, **search_options) -> EquilibriumCertificate:
    """Check a profile against the thesis' equilibrium claims.

    ``success`` requires: deviation gain ``<= tol``, allocation error ``<= 1e-8``, KKT residual of
    the quoted prices ``<= 1e-7``, and the mechanism's budget balance (weak: ``sum t >= -budget_tol``;
    strong: ``|sum t| <= budget_tol * (1 + sum |t|)``). Individual rationality is reported, not
    required (it fails legitimately for the ch. 3 off-equilibrium variant with large ``eta``).
    """
    messages = mechanism.check_messages(messages)
    out = mechanism.outcome(messages)
    pay = mechanism.payoffs(utilities, messages)
    v0 = np.array([float(u.value(0.0)) for u in utilities])
    prices, member_prices, spread = quoted_prices(mechanism, messages)
    kkt = kkt_residuals(mechanism.network, utilities, out.x, prices, member_prices)
    report = max_deviation_gain(mechanism, utilities, messages, tol=tol, **search_options)
    alloc_err = float(np.max(np.abs(out.x - solution.x)))
    bb = getattr(mechanism, "budget_balance", "weak")
    if bb == "weak":
        bb_ok = out.total_tax >= -budget_tol
    else:
        bb_ok = abs(out.total_tax) <= budget_tol * (1 + np.abs(out.taxes).sum())
    checks = {"deviation": report.success, "allocation": alloc_err <= 1e-8,
              "kkt": kkt["max"] <= 1e-7 and spread <= 1e-9, "budget": bool(bb_ok)}
    failed = [k for k, ok in checks.items() if not ok]
    msg = "all equilibrium checks pass" if not failed else "failed: " + ", ".join(failed) + "; " + report.message
    return EquilibriumCertificate(
        mechanism=mechanism.name, x=out.x, taxes=out.taxes, total_tax=out.total_tax, payoffs=pay,
        individual_rationality_margins=pay - v0, allocation_error=alloc_err,
        max_deviation_gain=report.max_gain, price_spread=spread, kkt=kkt, budget_balance=bb,
        budget_balance_holds=bool(bb_ok), success=not failed, message=msg,
        deviation_report=report, parameters={"tol": tol, "budget_tol": budget_tol,
                                             **mechanism.parameters, **report.parameters})
