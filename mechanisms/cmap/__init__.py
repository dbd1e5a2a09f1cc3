"""CMAP and proportional response on exchange networks (seed 000, the CMAP poster).

Agents on a graph produce surplus that cannot be stored and send all of it to their neighbours.
The market-level goal is the weighted-log optimum ``max Σ_j ε_j v_j log U_j`` (the market
equilibrium of the exchange economy; :func:`solve_weighted_log` with a duality-gap certificate).
Agents reach it, or not, by playing a strategy round after round (:func:`run_strategy`):

* CMAP, the Community Maximizing Allocation Program: each agent maximises the weighted-log utility
  of its k-hop community (closed-form water-filling; identical for every ``k >= 1``, ill-posed for
  ``k = 0``), sequentially, simultaneously or damped;
* proportional response (Wu & Zhang 2007), the "self-maximizing" baseline.

Metrics: NSW ratio, market loss and receipt deviation (:mod:`.metrics`). Reproduction
``seed000-cmap`` (:mod:`.reproduction`). Notes: ``shared/specs/other_seeds.md``, Seed 000.
"""
from .community import cmap_response, community, community_utility
from .dynamics import STRATEGIES, MarketRun, run_strategy
from .families import (GRAPH_FAMILIES, complete, complete_bipartite, cycle, erdos_renyi, grid, path,
                       random_exchange_network, star, watts_strogatz)
from .flows import check_flows, flows_from_matrix, flows_matrix, objective, receipts, uniform_split
from .instances import NOTES_NETWORKS, notes_network, oscillation_start
from .metrics import market_loss, nash_social_welfare, nsw_ratio, receipt_deviation
from .network import ExchangeNetwork
from .optimum import (SOLVE_METHODS, OptimalityCertificate, WeightedLogOptimum, certify_optimality,
                      solve_weighted_log)
from .proportional_response import proportional_response_step
from .water_filling import water_fill, water_level

__all__ = [
    "ExchangeNetwork", "star", "path", "cycle", "complete", "grid", "complete_bipartite",
    "watts_strogatz", "erdos_renyi", "random_exchange_network", "GRAPH_FAMILIES",
    "uniform_split", "check_flows", "receipts", "objective", "flows_matrix", "flows_from_matrix",
    "water_fill", "water_level", "community", "community_utility", "cmap_response",
    "solve_weighted_log", "certify_optimality", "WeightedLogOptimum", "OptimalityCertificate",
    "SOLVE_METHODS", "proportional_response_step",
    "run_strategy", "MarketRun", "STRATEGIES",
    "nash_social_welfare", "nsw_ratio", "market_loss", "receipt_deviation",
    "notes_network", "oscillation_start", "NOTES_NETWORKS",
]
