"""Nash-implementation mechanisms for network utility maximization (thesis ch. 1-3).

A designer wants ``x* = argmax sum_i v_i(x_i)`` under network constraints without knowing the
``v_i``. Agents send demands and prices; the allocation is always feasible (also off
equilibrium), and taxes make every Nash equilibrium allocate ``x*`` (full implementation):

* ch. 1 unicast (:class:`UnicastMechanism`), weak or strong budget balance;
* ch. 2 multicast (:class:`MulticastMechanism`), weak or strong (corrected rebate by default);
* ch. 3 general ``A x <= c`` (:class:`LinearConstraintMechanism`), with strong budget balance at
  equilibrium or off equilibrium.

Best-response learning is *not* guaranteed to converge for these mechanisms (the thesis makes no
such claim); :func:`best_response_dynamics` runs it on :func:`mechanisms.repeated_play.repeated_play`
so it can be studied.

Reference: A. Sinha, *Mechanism Design with Allocative, Informational and Learning Constraints*,
PhD thesis, University of Michigan, 2017, ch. 1-3.
"""
from .centralized import CentralizedSolution, check_assumptions, kkt_residuals, solve_centralized
from .deviations import DeviationReport, best_response, max_deviation_gain
from .equilibrium import (EquilibriumCertificate, certify_equilibrium, equilibrium_from_optimum,
                          quoted_prices)
from .general import LinearConstraintMechanism, linear_allocation
from .instances import INSTANCES, Instance, get_instance
from .learning import best_response_dynamics
from .multicast import MulticastMechanism, multicast_allocation
from .networks import LinearConstraints, MulticastNetwork, UnicastNetwork
from .unicast import UnicastMechanism, unicast_allocation
from ..utilities import (AlphaFairUtility, CustomUtility, ExponentialUtility, LogLinearUtility,
                        LogUtility, QuadraticUtility, Utility)

__all__ = [
    "UnicastNetwork", "MulticastNetwork", "LinearConstraints",
    "Utility", "LogUtility", "AlphaFairUtility", "ExponentialUtility", "QuadraticUtility",
    "LogLinearUtility", "CustomUtility",
    "CentralizedSolution", "solve_centralized", "kkt_residuals", "check_assumptions",
    "UnicastMechanism", "unicast_allocation", "MulticastMechanism", "multicast_allocation",
    "LinearConstraintMechanism", "linear_allocation",
    "equilibrium_from_optimum", "quoted_prices", "certify_equilibrium", "EquilibriumCertificate",
    "max_deviation_gain", "best_response", "DeviationReport", "best_response_dynamics",
    "Instance", "INSTANCES", "get_instance",
]
