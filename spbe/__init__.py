"""spbe: structured perfect Bayesian equilibria of dynamic games with asymmetric information.

Source: A. Sinha, PhD thesis (University of Michigan, 2017), chapter 6, "Structured Perfect
Bayesian Equilibrium in Infinite Horizon Dynamic Games with Asymmetric Information".

Layout
------
``spbe.game``           the game model (ch. 6 §2): :class:`DynamicGame`
``spbe.beliefs``        belief grids, interpolation, the Bayes update F of (6.7)
``spbe.stage``          the stage fixed point (6.4)/(6.17a) by Kakutani case enumeration
``spbe.solvers``        backward recursion, the infinite-horizon fixed point (6.17), verification
``spbe.equilibrium``    the result: θ and V on the grid, off-grid evaluation, simulation, save/load
``spbe.examples``       the catalog of games (public goods of ch. 6 §5 and others)
``spbe._kernels``       numba kernels (compiled lazily, on first use)
"""
from . import examples
from .beliefs import BeliefGrid, ContinuationValue, bayes_update
from .game import DynamicGame
from ._validation import GameValidationError
from ._limits import SizeLimitError, get_limits, limits, set_limits
from .stage import E1Report, StageEquilibria, StageSolution, action_values, check_e1, stage_equilibria
from .equilibrium import Equilibrium, Simulation, load
from .solvers import solve, verify
from .sweep import SweepResult, sweep
from ._progress import ProgressBar

__version__ = "0.3.0"  # see CHANGELOG.md

__all__ = ["BeliefGrid", "ProgressBar", "ContinuationValue", "DynamicGame", "E1Report", "Equilibrium",
           "GameValidationError", "SizeLimitError", "Simulation", "StageEquilibria", "StageSolution", "action_values",
           "bayes_update", "check_e1", "examples", "load", "solve", "stage_equilibria", "sweep",
           "SweepResult", "verify", "get_limits", "limits", "set_limits"]
