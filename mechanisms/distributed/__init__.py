"""Distributed mechanisms with learning guarantees (thesis ch. 4).

Agents talk only to their neighbours on a communication graph and learn the Nash equilibrium by
repeated play. The mechanisms fully implement the Walrasian (private goods) or Lindahl (public
good) optimum, are budget balanced at equilibrium, and their joint best response is a contraction
after tuning ``(xi, delta)`` from the graph, so every adaptive best-response dynamic converges
(Theorems 5.4-5.5 with [HeMa12]).

* :mod:`.graphs`: communication graphs, next hop ``n(i, r)`` and distance ``d(i, r)``.
* :mod:`mechanisms.utilities`, :mod:`.centralized`: utilities and the designer's problems (4.4), (4.6).
* :class:`PrivateGoodsMechanism` (§3.3), :class:`PublicGoodsMechanism` (§4),
  :class:`SmallMessageMechanism` (§3.2, small messages, no learning guarantee).
* :mod:`.tuning`: ``R(xi)``, ``delta(xi)`` and the choice of ``xi`` (Appendix 7.6-7.7).
* :mod:`.equilibrium`: equilibrium checks (best-response fixed point, efficiency, prices equal
  to the duals, budget balance, locality) and the best-response Jacobian.
* Learning dynamics: :func:`mechanisms.repeated_play.repeated_play` (``joint=True``).
* :mod:`.reproduction`: ``spbe reproduce ch4-convergence`` (Figs 12-15, Table 1).

Reference: A. Sinha, *Mechanism Design with Allocative, Informational and Learning Constraints*,
PhD thesis, University of Michigan, 2017, ch. 4 (Sinha & Anastasopoulos, arXiv:1703.05641).
"""
from .centralized import PrivateOptimum, PublicOptimum, solve_private, solve_public
from .equilibrium import (EquilibriumReport, best_response_jacobian, check_equilibrium,
                          locality_violations, solve_optimum)
from .graphs import (CommunicationGraph, binary_tree, complete_graph, cycle_graph, directed_cycle,
                     erdos_renyi, from_adjacency, from_edges, grid_graph, next_hops, path_graph,
                     self_hops, shortest_path_distances, spanning_tree, star_graph)
from .private_goods import PrivateGoodsMechanism
from .public_goods import PublicGoodsMechanism
from .small_message import SmallMessageMechanism
from .tuning import ContractionTuning, contraction_ratio, tune, tuned_delta
from ..utilities import LogCoshUtility, QuadraticUtility, Utility, random_quadratic_utilities

__all__ = [
    "CommunicationGraph", "from_adjacency", "from_edges", "path_graph", "cycle_graph",
    "directed_cycle", "star_graph", "complete_graph", "grid_graph", "binary_tree", "erdos_renyi",
    "spanning_tree", "shortest_path_distances", "next_hops", "self_hops",
    "Utility", "QuadraticUtility", "LogCoshUtility", "random_quadratic_utilities",
    "PrivateOptimum", "PublicOptimum", "solve_private", "solve_public",
    "PrivateGoodsMechanism", "PublicGoodsMechanism", "SmallMessageMechanism",
    "ContractionTuning", "contraction_ratio", "tuned_delta", "tune",
    "EquilibriumReport", "check_equilibrium", "locality_violations", "best_response_jacobian",
    "solve_optimum",
]
