"""The proportional-share auction with incomplete information and deal optimization (seed 001).

An, Miao & Shen, "Market based resource allocation with incomplete information", IJCAI 2007.
``n`` agents bid for a divisible resource of capacity ``C``; agent ``i`` gets ``x_i = C s_i / Σ s``
and pays ``s_i`` (:mod:`.allocation`). Under complete information the Nash equilibrium is unique
(Maheswaran & Başar; :func:`nash_equilibrium`). Without it, each agent bids optimally against a
normal belief over the others' bid total (:func:`optimal_bid`) and learns that total across rounds
by the normal-normal conjugate update (:mod:`.beliefs`, :func:`bayesian_bidding`). Deal
optimization (:func:`deal_optimization`) keeps a new round's allocation only if budget-balanced
payments can leave nobody worse off. Reproduction ``seed001-share-auction``
(:mod:`.reproduction`). Notes: ``shared/specs/other_seeds.md``, Seed 001.
"""
from .allocation import proportional_share, unit_price, utilities
from .beliefs import NormalBelief, posterior, predictive, update_belief
from .bidding import TRUNCATIONS, belief_nodes, expected_utility, optimal_bid
from .deal_optimization import (PAYMENT_RULES, DealOptimizationResult, deal_optimization, reports,
                                settle_round)
from .equilibrium import (ShareAuctionEquilibrium, SocialOptimum, best_response, demand,
                          first_order_residual, nash_equilibrium, social_optimum)
from .learning import BELIEF_USES, BiddingRun, bayesian_bidding, best_response_dynamics
from .market import DENSITIES, MarketScenario, MarketSimulation, random_market, simulate_market
from .valuations import LogValuation, PowerValuation, Valuation

__all__ = [
    "Valuation", "LogValuation", "PowerValuation",
    "proportional_share", "unit_price", "utilities",
    "demand", "best_response", "nash_equilibrium", "social_optimum", "first_order_residual",
    "ShareAuctionEquilibrium", "SocialOptimum",
    "NormalBelief", "posterior", "update_belief", "predictive",
    "expected_utility", "optimal_bid", "belief_nodes", "TRUNCATIONS",
    "bayesian_bidding", "best_response_dynamics", "BiddingRun", "BELIEF_USES",
    "deal_optimization", "settle_round", "reports", "DealOptimizationResult", "PAYMENT_RULES",
    "random_market", "simulate_market", "MarketScenario", "MarketSimulation", "DENSITIES",
]
