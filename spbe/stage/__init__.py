"""The stage fixed point (6.4)/(6.17a): action values, the case enumeration, and (E1);
support enumeration for the bimatrix special case (δ = 0, two agents, one type each)."""
from .action_values import action_values
from .bimatrix import BimatrixEquilibria, bimatrix_equilibria
from .existence import check_e1
from .result import E1Report, StageEquilibria, StageSolution
from .solver import regret, stage_equilibria
from .supports import case_label, count_cases, iter_cases, supports_of

__all__ = ["BimatrixEquilibria", "E1Report", "StageEquilibria", "StageSolution", "action_values",
           "bimatrix_equilibria", "case_label",
           "check_e1", "count_cases", "iter_cases", "regret", "stage_equilibria", "supports_of"]
