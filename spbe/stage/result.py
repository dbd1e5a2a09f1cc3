"""Result records of the stage solver (frozen, carrying the method and settings used)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

__all__ = ["StageSolution", "StageEquilibria", "E1Report"]


@dataclass(frozen=True)
class StageSolution:
    """One solution γ̃ of the stage fixed point (6.4)/(6.17a) at a belief.

    Attributes
    ----------
    strategy : tuple of ``(M_i, K_i)`` arrays, γ̃^i(a|x)
    case : tuple (per agent) of tuples (per type) of the support's action indices
    label : readable case label
    residual : largest best-response gain max_{i,x} [max_a U - Σ_a γ̃ U] (≥ 0)
    values : tuple of ``(M_i,)`` arrays, Σ_a γ̃^i(a|x) U^i(π, x, a): V^i(π, x) of (6.5)/(6.17b)
    action_values : tuple of ``(M_i, K_i)`` arrays, U^i(π, x, a; γ̃, V)
    n_unknowns : number of interior unknowns of the case
    degenerate : True if the case's equation held on a whole interval (a continuum of solutions;
        one representative is returned)
    """

    strategy: tuple
    case: tuple
    label: str
    residual: float
    values: tuple
    action_values: tuple
    n_unknowns: int
    degenerate: bool = False

    def prob(self, agent: int, type_: int, action: int = 1) -> float:
        """γ̃^agent(action | type) (0-based indices)."""
        return float(self.strategy[agent][type_, action])

    def __repr__(self) -> str:
        strat = "; ".join(np.array2string(g, precision=6, suppress_small=True, separator=",")
                          .replace("\n", "") for g in self.strategy)
        return f"StageSolution({self.label}, residual={self.residual:.2e}, strategy={strat})"


@dataclass(frozen=True)
class E1Report:
    """Checkable version of Assumption (E1) of Theorem 6.1 at one belief (notes §4.3).

    ``holds`` is True when, at every sampled point of the discontinuity set 𝒟 (profiles at
    which some action of an agent with a non-degenerate belief is off-path), every payoff
    difference is zero or keeps its sign on the sampled log-scaled approaches. For N = 2
    with binary types and actions this is the hypothesis of Theorem 6.1 (existence); for
    other games it is the natural extension, which the thesis does not prove.
    """

    holds: bool
    points_checked: int
    violations: tuple = ()
    note: str = ""

    def __repr__(self) -> str:
        return (f"E1Report(holds={self.holds}, points_checked={self.points_checked}, "
                f"violations={len(self.violations)}, note={self.note!r})")


@dataclass(frozen=True)
class StageEquilibria:
    """All solutions of the stage fixed point found at one belief, with the settings used.

    ``success`` is True when at least one solution was found; ``complete`` when every case
    was tried (no ``first_only`` stop and no ``max_unknowns`` cap).
    """

    solutions: tuple
    belief: tuple
    delta: float
    success: bool
    complete: bool
    message: str
    n_cases: int
    n_cases_tried: int
    n_evaluations: int
    elapsed: float
    method: str = "case-enumeration"
    parameters: dict = field(default_factory=dict)
    e1: Optional[E1Report] = None

    @property
    def selected(self) -> Optional[StageSolution]:
        """The first solution (nearest the reference when one was given), or None."""
        return self.solutions[0] if self.solutions else None

    def __len__(self) -> int:
        return len(self.solutions)

    def __iter__(self):
        return iter(self.solutions)

    def __getitem__(self, k) -> StageSolution:
        return self.solutions[k]

    def __repr__(self) -> str:
        belief = ", ".join(np.array2string(p, precision=4, separator=",") for p in self.belief)
        lines = [f"StageEquilibria(belief=({belief}), delta={self.delta}, {len(self.solutions)} "
                 f"solution(s), cases tried {self.n_cases_tried}/{self.n_cases}, "
                 f"{self.elapsed * 1e3:.1f} ms: {self.message})"]
        lines += [f"  {s!r}" for s in self.solutions]
        return "\n".join(lines)
