"""Public beliefs: grids on products of simplices, interpolation, and the Bayes update (6.7)."""
from .continuation import ContinuationValue
from .grid import BeliefGrid, simplex_lattice
from .update import bayes_update, update_agent_belief

__all__ = ["BeliefGrid", "ContinuationValue", "bayes_update", "simplex_lattice",
           "update_agent_belief"]
