"""One protocol for the mechanisms of the layer: an instance, mechanisms that run on it, and
:func:`compare`, which runs several mechanisms on the same instance and returns one
:class:`~mechanisms.results.MechanismResult` each.

An instance (:class:`ResourceInstance`) holds what the designer does not control: the agents,
their utilities for a divisible good of capacity ``c``, ``v_i(x) = -a_i/2 (x - p_i)^2``
(strictly concave with ``v_i'' = -a_i``; increasing on ``[0, c]`` when every peak ``p_i >= c``),
and the communication graph along which agents can talk (thesis ch. 4). A mechanism is a callable
``mechanism(instance) -> MechanismResult`` with a ``name``: it builds its messages, allocation and
taxes for the instance, computes its equilibrium and checks it with the subpackage's own checker
(``as_result()`` of its report). The mechanisms provided:

* :func:`linear_constraint_mechanism`: thesis ch. 3 (``Σ_i x_i <= c``, the general mechanism with
  its equilibrium from the centralized optimum, deviations searched);
* :func:`private_goods_mechanism`: thesis ch. 4 §3.3 on the instance's graph (``Σ_i x_i = c``,
  ``(xi, delta)`` tuned from the graph, best-response fixed point exact).

Both implement ``argmax Σ_i v_i(x_i)``; when the capacity binds (every ``p_i`` large enough)
their allocations coincide, which :func:`compare` lets a reader see in one table
(:func:`mechanisms.results.results_table`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._arrays import check_positive, read_only
from .results import MechanismResult, results_table

__all__ = ["ResourceInstance", "linear_constraint_mechanism", "private_goods_mechanism",
           "compare", "MECHANISMS", "results_table"]


@dataclass(frozen=True, eq=False)
class ResourceInstance:
    """Agents sharing a divisible good of capacity ``capacity`` over a communication graph.

    Attributes
    ----------
    curvatures, peaks : ndarray (N,)     ``a_i > 0``, ``p_i``: ``v_i(x) = -a_i/2 (x - p_i)^2``
    capacity : float                     ``c > 0``
    edges : ndarray (m, 2)               undirected communication graph (connected, N >= 3)
    name : str
    """
    curvatures: np.ndarray
    peaks: np.ndarray
    capacity: float
    edges: np.ndarray = field(repr=False)
    name: str = "instance"

    def __post_init__(self):
        a = np.asarray(self.curvatures, dtype=np.float64).ravel()
        p = np.asarray(self.peaks, dtype=np.float64).ravel()
        if a.size < 3 or p.shape != a.shape:
            raise ValueError(f"curvatures, peaks: expected two vectors of one length N >= 3; got "
                             f"shapes {a.shape}, {p.shape}")
        if not (np.all(np.isfinite(a)) and np.all(a > 0) and np.all(np.isfinite(p))):
            raise ValueError("curvatures: finite and > 0; peaks: finite")
        c = check_positive("capacity", self.capacity)
        e = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        object.__setattr__(self, "curvatures", read_only(a))
        object.__setattr__(self, "peaks", read_only(p))
        object.__setattr__(self, "capacity", c)
        object.__setattr__(self, "edges", read_only(e))

    @property
    def n_agents(self) -> int:
        return self.curvatures.size

    def value(self, agent: int, x) -> float:
        return float(-0.5 * self.curvatures[agent] * (x - self.peaks[agent]) ** 2)


def linear_constraint_mechanism(instance: ResourceInstance, *, eta: float = 0.01,
                                budget_balance: str = "strong-at-equilibrium") -> MechanismResult:
    """Thesis ch. 3 on ``Σ_i x_i <= c``: the centralized optimum (KKT-certified), the mechanism's
    equilibrium messages built from it, and :func:`~mechanisms.nash_implementation.
    certify_equilibrium` (deviation gains searched)."""
    from .nash_implementation import (LinearConstraintMechanism, LinearConstraints, QuadraticUtility,
                                      certify_equilibrium, solve_centralized)
    n = instance.n_agents
    utilities = [QuadraticUtility(peak=p, curvature=a)
                 for a, p in zip(instance.curvatures, instance.peaks)]
    network = LinearConstraints([[1.0] * n], [instance.capacity])
    mechanism = LinearConstraintMechanism(network, eta=eta, budget_balance=budget_balance)
    solution = solve_centralized(network, utilities)
    messages = mechanism.equilibrium_messages(solution)
    cert = certify_equilibrium(mechanism, utilities, messages, solution)
    result = cert.as_result(utilities)
    return _renamed(result, "ch3-linear-constraints")


def private_goods_mechanism(instance: ResourceInstance, *, eta: float | None = None
                            ) -> MechanismResult:
    """Thesis ch. 4 §3.3 on the instance's graph with ``Σ_i x_i = c``: ``(xi, delta)`` tuned for the
    curvature bound ``eta`` (default ``1.01 max(a_i, 1/min a_i)``, so (4.2) holds), the
    closed-form equilibrium from the optimum, and :func:`~mechanisms.distributed.check_equilibrium`.
    """
    from .distributed import (PrivateGoodsMechanism, QuadraticUtility, check_equilibrium, from_edges,
                              tune)
    a, p = instance.curvatures, instance.peaks
    if eta is None:
        eta = 1.01 * max(float(a.max()), 1.0 / float(a.min()))
    graph = from_edges(instance.n_agents, instance.edges, name=instance.name)
    tuning = tune(graph, eta, "private")
    mechanism = PrivateGoodsMechanism(graph, tuning.xi, tuning.delta, supply=instance.capacity)
    # -a/2 (x - p)^2 = -a/2 x^2 + a p x + const: theta = -a/2, sigma = a p
    utilities = [QuadraticUtility(theta=-0.5 * ai, sigma=ai * pi) for ai, pi in zip(a, p)]
    report = check_equilibrium(mechanism, utilities)
    result = report.as_result()
    welfare = float(sum(instance.value(i, x) for i, x in enumerate(np.ravel(result.allocation))))
    return _renamed(result, "ch4-private-goods", welfare=welfare)


def _renamed(result: MechanismResult, name: str, **changes) -> MechanismResult:
    fields = {f: getattr(result, f) for f in result.__dataclass_fields__}
    fields.update(mechanism=name, **changes)
    return MechanismResult(**fields)


linear_constraint_mechanism.name = "ch3-linear-constraints"
private_goods_mechanism.name = "ch4-private-goods"
MECHANISMS = {f.name: f for f in (linear_constraint_mechanism, private_goods_mechanism)}
"""Name -> mechanism for :func:`compare`."""


def compare(instance: ResourceInstance, mechanisms=None) -> list:
    """Run every mechanism (names of :data:`MECHANISMS` or callables; default all) on
    ``instance``; one :class:`MechanismResult` each, in order."""
    chosen = list(MECHANISMS.values()) if mechanisms is None else [
        MECHANISMS[m] if isinstance(m, str) else m for m in mechanisms]
    return [m(instance) for m in chosen]
