"""The one result record of the mechanisms layer: what was checked, how, and what was found.

Every equilibrium check and incentive certificate of the layer turns into a
:class:`MechanismResult` (``report.as_result()``), with the same names everywhere and the
vocabulary of ``spbe`` and ``scipy.optimize`` (``success``, ``message``):

``method`` says how much a ``success`` is worth:

* ``"exact"``: every condition was evaluated in closed form or by full enumeration (a best-response
  fixed point computed exactly, every agent x type x misreport of a finite Bayesian game);
* ``"lp-certified"``: a linear or convex program with a duality-gap or feasibility certificate;
* ``"searched"``: a numerical search for profitable deviations found none above the tolerance:
  evidence, not proof.

``max_gain`` is the largest deviation gain found (a misreport or a unilateral message change; NaN
where no deviation was evaluated), ``budget_imbalance`` is ``|Σ_i t_i|`` relative to ``Σ_i |t_i|``
(None where there are no taxes), ``individually_rational`` whether every agent is at least as well
off as at its outside option (None where not evaluated).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ._arrays import check_choice

__all__ = ["MechanismResult", "METHODS", "results_table"]

METHODS = ("exact", "lp-certified", "searched")


@dataclass(frozen=True, eq=False)
class MechanismResult:
    """An equilibrium check or incentive certificate, in the layer's common vocabulary.

    Attributes
    ----------
    mechanism : str                  which mechanism (``"ch3-linear"``, ``"ch4-private-goods"``, ...)
    checked : str                    the property (``"Nash equilibrium"``, ``"DSIC + ex-post IR"``,
                                     ``"BSIC"``, ``"optimum"``, ...)
    method : str                     one of :data:`METHODS`
    success : bool
    message : str
    max_gain : float                 largest deviation gain found (NaN: none evaluated)
    budget_imbalance : float or None
    individually_rational : bool or None
    allocation : ndarray or None     the allocation at the checked profile (read-only)
    welfare : float or None          Σ_i v_i(x_i) at that allocation
    details : object                 the subpackage's own report
    parameters : dict
    """
    mechanism: str
    checked: str
    method: str
    success: bool
    message: str
    max_gain: float = float("nan")
    budget_imbalance: float | None = None
    individually_rational: bool | None = None
    allocation: np.ndarray | None = field(default=None, repr=False)
    welfare: float | None = None
    details: object = field(default=None, repr=False)
    parameters: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        check_choice("method", self.method, METHODS)
        if self.allocation is not None:
            a = np.array(self.allocation, dtype=np.float64, copy=True)
            a.setflags(write=False)
            object.__setattr__(self, "allocation", a)

    def row(self) -> dict:
        """The comparable fields as a flat dict (one row of :func:`results_table`)."""
        return {"mechanism": self.mechanism, "checked": self.checked, "method": self.method,
                "success": bool(self.success), "max_gain": float(self.max_gain),
                "budget_imbalance": self.budget_imbalance,
                "individually_rational": self.individually_rational, "welfare": self.welfare,
                "allocation": None if self.allocation is None else self.allocation.tolist()}


def results_table(results) -> str:
    """A plain-text table of :class:`MechanismResult` rows, one per mechanism."""
    cols = ("mechanism", "checked", "method", "success", "max_gain", "budget_imbalance",
            "individually_rational", "welfare")

    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)
    rows = [[fmt(r.row()[c]) for c in cols] for r in results]
    widths = [max(len(c), *(len(row[k]) for row in rows)) for k, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)
