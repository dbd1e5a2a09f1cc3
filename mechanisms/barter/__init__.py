"""Distribution of indivisible goods among self-interested agents: bartering versus currency-based
exchange versus the centralised optimum (seed 003: D. Cabanillas and S. Willmott, EUMAS 2006).

Modules (one concept each)
--------------------------
``economy``      agents, goods, heterogeneous / homogeneous preferences, capacity K, u_i, L
``assignment``   the Hungarian optimum (``scipy.optimize.linear_sum_assignment`` on N K slots)
``offering``     the three offering policies of the currency markets (scenarios 1.1-1.3)
``currency``     one tick of the fixed-price currency market (compiled kernels)
``bartering``    one tick of mutually accepted one-for-one swaps (compiled kernel)
``simulation``   ``simulate_exchange``: forced step, offering, trading over ticks
``scenarios``    the seed's Table 1 and the 5-run averages of its figures
``reproduction`` ``spbe reproduce seed003-barter``

See README.md in this folder for the readings we chose where the seed is silent.
"""
from .assignment import AssignmentResult, brute_force_optimum, optimal_assignment
from .economy import (INITS, INTERESTS, PREFERENCES, Economy, global_level, random_economy,
                      satisfactions)
from .offering import OFFERING_POLICIES, offered_goods
from .scenarios import SCENARIOS, ScenarioResult, run_scenario
from .simulation import (BARTER_SCOPES, MECHANISMS, VISIBILITIES, ExchangeResult,
                         simulate_exchange)

__all__ = [
    "AssignmentResult", "brute_force_optimum", "optimal_assignment", "INITS", "INTERESTS",
    "PREFERENCES", "Economy", "global_level", "random_economy", "satisfactions",
    "OFFERING_POLICIES", "offered_goods", "SCENARIOS", "ScenarioResult", "run_scenario",
    "BARTER_SCOPES", "MECHANISMS", "VISIBILITIES", "ExchangeResult", "simulate_exchange",
]
