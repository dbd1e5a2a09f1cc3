"""Simulated markets for the experiments of seed 001 (§5; all ranges are [RECON], notes §3).

:func:`random_market` draws one scenario: capacity ``C = 1``; ``V_i(x) = a_i ln(1 + β x)`` with
``a_i ~ U[1, 10]`` and ``β = 10``; the number of agents by market density (sparse ``U{2..10}``,
moderate ``U{11..30}``, dense ``U{31..60}``); priors on the others' bid total
``μ_{i,0} = (n - 1) s̄ (1 + ξ_i / 2)`` with ``ξ_i ~ U[-1, 1]`` and ``s̄`` the mean complete-information
equilibrium bid (so denser markets start from larger priors, as the seed says), ``τ_0 = μ_0 / 2``,
``σ = μ_0 / 5``.

:func:`simulate_market` plays round 0 and ``deadline`` learning rounds (:mod:`.learning`), runs
deal optimization on them (:mod:`.deal_optimization`) and records the benchmarks: the
complete-information equilibrium (its total utility ``Σ V(x*) - Σ s*``) and the allocative optimum
``max Σ V`` (an upper bound on any total utility, since bids are non-negative costs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._arrays import check_choice
from .beliefs import NormalBelief
from .deal_optimization import DealOptimizationResult, deal_optimization
from .equilibrium import ShareAuctionEquilibrium, SocialOptimum, nash_equilibrium, social_optimum
from .learning import BiddingRun, bayesian_bidding
from .valuations import LogValuation, check_valuations

__all__ = ["MarketScenario", "MarketSimulation", "random_market", "simulate_market", "DENSITIES"]

DENSITIES = {"sparse": (2, 10), "moderate": (11, 30), "dense": (31, 60)}
"""Market density -> inclusive range of the number of agents (placeholders: the seed's digits are
lost to OCR)."""


@dataclass(frozen=True, eq=False)
class MarketScenario:
    """One market: valuations, capacity, priors over ``ϑ_i`` and observation noise ``σ_i``."""
    valuations: tuple = field(repr=False)
    capacity: float
    priors: tuple = field(repr=False)
    noise_sds: np.ndarray = field(repr=False)
    density: str = ""

    @property
    def n_agents(self) -> int:
        return len(self.valuations)


@dataclass(frozen=True, eq=False)
class MarketSimulation:
    """Result of :func:`simulate_market`.

    Attributes
    ----------
    bidding : BiddingRun
    deals : DealOptimizationResult
        Truthful reports (or as asked); ``deals.welfare[T]`` is the total utility kept after a
        deadline ``T``.
    equilibrium : ShareAuctionEquilibrium
        The complete-information benchmark.
    optimum : SocialOptimum
        The allocative optimum ``max Σ V``.
    """
    scenario: MarketScenario = field(repr=False)
    bidding: BiddingRun = field(repr=False)
    deals: DealOptimizationResult = field(repr=False)
    equilibrium: ShareAuctionEquilibrium = field(repr=False)
    optimum: SocialOptimum = field(repr=False)

    @property
    def without_deal_optimization(self) -> float:
        """Total utility of the round-0 auction."""
        return float(self.deals.welfare[0])

    def with_deal_optimization(self, deadline: int) -> float:
        """Total utility kept after ``deadline`` optimization rounds."""
        return float(self.deals.welfare[deadline])


def random_market(density: str, seed=None, *, capacity: float = 1.0, beta: float = 10.0,
                  a_range=(1.0, 10.0), prior_spread: float = 0.5, prior_sd: float = 0.5,
                  noise_sd: float = 0.2) -> MarketScenario:
    """Draw a scenario of the given density (module docstring; every default is the notes' protocol)."""
    check_choice("density", density, DENSITIES)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lo, hi = DENSITIES[density]
    n = int(rng.integers(lo, hi + 1))
    vals = tuple(LogValuation(a, beta) for a in rng.uniform(a_range[0], a_range[1], n))
    s_bar = float(nash_equilibrium(vals, capacity).bids.mean())
    mu0 = (n - 1) * s_bar * (1.0 + prior_spread * rng.uniform(-1.0, 1.0, n))
    priors = tuple(NormalBelief(m, prior_sd * m) for m in mu0)
    return MarketScenario(valuations=vals, capacity=float(capacity), priors=priors,
                          noise_sds=noise_sd * mu0, density=density)


def simulate_market(scenario: MarketScenario, deadline: int, *, rule: str = "pro_rata", kappa=np.inf,
                    relative_shade: float = 0.0, **bidding_options) -> MarketSimulation:
    """Round 0, ``deadline`` rounds of learning and deal optimization, and the benchmarks."""
    if not isinstance(scenario, MarketScenario):
        raise TypeError(f"scenario: expected a MarketScenario; got {type(scenario).__name__}")
    vals = check_valuations(scenario.valuations)
    bidding = bayesian_bidding(vals, scenario.capacity, scenario.priors, scenario.noise_sds, deadline,
                               **bidding_options)
    deals = deal_optimization(vals, scenario.capacity, bidding.bids, rule=rule, kappa=kappa,
                              relative_shade=relative_shade)
    return MarketSimulation(scenario=scenario, bidding=bidding, deals=deals,
                            equilibrium=nash_equilibrium(vals, scenario.capacity),
                            optimum=social_optimum(vals, scenario.capacity))
