"""The scenarios of the seed's Table 1 and their averaged runs (seed 003, §3, Figs. 1-2).

=========  ==================================  ===============
scenario   exchange                            preferences
=========  ==================================  ===============
1.1a/b     currency, least restrictive         heterogeneous / homogeneous
1.2a/b     currency, medium restrictive        heterogeneous / homogeneous
1.3a/b     currency, most restrictive          heterogeneous / homogeneous
2a/b       bartering                           heterogeneous / homogeneous
=========  ==================================  ===============

Each figure curve of the seed is "the mean value of 5 different simulations"; here run ``r``
uses economy seed ``(seed, r)`` (the same economies for every scenario of one preference kind,
so scenarios are compared on common instances) and simulation seed ``(seed, r, 1)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .assignment import optimal_assignment
from .economy import random_economy
from .simulation import simulate_exchange
from .._arrays import check_choice, check_integer

__all__ = ["SCENARIOS", "ScenarioResult", "run_scenario"]

SCENARIOS = {
    "1.1a": ("currency", "least_restrictive", "heterogeneous"),
    "1.2a": ("currency", "medium_restrictive", "heterogeneous"),
    "1.3a": ("currency", "most_restrictive", "heterogeneous"),
    "2a": ("barter", None, "heterogeneous"),
    "1.1b": ("currency", "least_restrictive", "homogeneous"),
    "1.2b": ("currency", "medium_restrictive", "homogeneous"),
    "1.3b": ("currency", "most_restrictive", "homogeneous"),
    "2b": ("barter", None, "homogeneous"),
}


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Runs of one scenario.

    Attributes
    ----------
    scenario : str
    levels : ndarray (n_ticks + 1,)     mean global level over the runs
    optimum : float                     mean Hungarian level over the runs' economies
    initial, final : float              mean initial and final levels
    trades : ndarray (n_ticks,)         mean trades per tick
    runs : tuple of ExchangeResult
    optima : ndarray (n_runs,)
    method, parameters
    """
    scenario: str
    levels: np.ndarray = field(repr=False)
    optimum: float = 0.0
    initial: float = 0.0
    final: float = 0.0
    trades: np.ndarray = field(default=None, repr=False)
    runs: tuple = field(default=(), repr=False)
    optima: np.ndarray = field(default=None, repr=False)
    method: str = "scenario"
    parameters: dict = field(default_factory=dict)


def run_scenario(scenario: str, *, n_runs: int = 5, seed: int = 0, n_agents: int = 500,
                 n_goods: int = 1500, economy_options: dict | None = None,
                 simulation_options: dict | None = None, optima=None) -> ScenarioResult:
    """Average ``n_runs`` runs of a Table 1 scenario.

    ``economy_options`` go to :func:`random_economy` (e.g. ``{"interest": "wishlist"}``) and
    ``simulation_options`` to :func:`simulate_exchange`. ``optima`` (one per run) skips the
    Hungarian solves when the caller already has them for these economies.
    """
    check_choice("scenario", scenario, SCENARIOS)
    check_integer("n_runs", n_runs)
    mechanism, policy, preferences = SCENARIOS[scenario]
    economy_options = dict(economy_options or {})
    simulation_options = dict(simulation_options or {})
    if policy is not None:
        simulation_options["policy"] = policy
    runs, values = [], []
    for r in range(n_runs):
        economy = random_economy(n_agents, n_goods, preferences=preferences, seed=(seed, r),
                                 **economy_options)
        if optima is None:
            values.append(optimal_assignment(economy).level)
        runs.append(simulate_exchange(economy, mechanism, seed=(seed, r, 1), **simulation_options))
    optima = np.asarray(values if optima is None else optima, dtype=float)
    if optima.shape != (n_runs,):
        raise ValueError(f"optima: expected {n_runs} values; got shape {optima.shape}")
    levels = np.mean([run.levels for run in runs], axis=0)
    trades = np.mean([run.trades for run in runs], axis=0)
    for a in (levels, trades, optima):
        a.setflags(write=False)
    params = {"n_runs": int(n_runs), "seed": seed, "n_agents": n_agents, "n_goods": n_goods,
              "mechanism": mechanism, "policy": policy, "preferences": preferences,
              "economy_options": economy_options, "simulation_options": simulation_options}
    return ScenarioResult(scenario, levels, float(optima.mean()), float(levels[0]),
                          float(levels[-1]), trades, tuple(runs), optima, parameters=params)
