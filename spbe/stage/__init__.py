"""The stage fixed point (6.4)/(6.17a): action values, the case enumeration, and (E1)."""
from .action_values import action_values
from .existence import check_e1
from .result import E1Report, StageEquilibria, StageSolution
from .solver import regret, stage_equilibria
from .supports import case_label, count_cases, iter_cases, supports_of

__all__ = ["E1Report", "StageEquilibria", "StageSolution", "action_values", "case_label",
           "check_e1", "count_cases", "iter_cases", "regret", "stage_equilibria", "supports_of"]
