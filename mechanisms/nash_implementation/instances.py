"""The worked instances of the implementation notes (thesis ch. 1-3 give topologies, no numbers).

Each function returns an :class:`Instance` (network, utilities, chapter, description). The
topologies are those of the thesis figures; capacities and utilities were chosen in the notes
(``shared/specs/thesis_ch1-3.md`` §1.8, §2.6, §3.7) and their optima are known in closed form.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .networks import LinearConstraints, MulticastNetwork, UnicastNetwork
from ..utilities import LogLinearUtility, LogUtility, QuadraticUtility

__all__ = ["Instance", "INSTANCES", "get_instance", "u1", "u1b", "m1", "f9", "g1", "g2", "g3", "g4", "g5"]


@dataclass(frozen=True, eq=False)
class Instance:
    name: str
    chapter: int
    network: object = field(repr=False)
    utilities: tuple = field(repr=False)
    description: str = ""
    known_optimum: np.ndarray | None = field(default=None, repr=False)


def _logs(weights):
    return tuple(LogUtility(w) for w in weights)


def u1() -> Instance:
    """Fig. 6 topology: links AB (agents 1-4) and BC (agents 1-3), c = (6, 4), v = w ln(1+x),
    w = (2, 3, 4, 2). x* = (5/9, 4/3, 19/9, 2), lambda* = (2/3, 13/21)."""
    net = UnicastNetwork([[1, 1, 1, 1], [1, 1, 1, 0]], [6.0, 4.0])
    return Instance("U1", 1, net, _logs((2, 3, 4, 2)), "Fig. 6 unicast, links AB, BC",
                    np.array([5 / 9, 4 / 3, 19 / 9, 2.0]))


def u1b() -> Instance:
    """U1 plus a slack link CD shared by agents 1, 2 (c = 100): lambda_CD = 0, same x*."""
    net = UnicastNetwork([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0]], [6.0, 4.0, 100.0])
    return Instance("U1b", 1, net, _logs((2, 3, 4, 2)), "U1 + slack link CD",
                    np.array([5 / 9, 4 / 3, 19 / 9, 2.0]))


def m1() -> Instance:
    """Fig. 8 multicast: groups {11, 12}, {21, 22}; AB: max(x11, x12) + max(x21, x22) <= 5,
    BC: max(x11, x12) + x21 <= 3; w = (2, 3, 4, 2). x* = (M, M, 3-M, 5-M), M = (38 - 2 sqrt 119)/11."""
    net = MulticastNetwork([[1, 1, 1, 1], [1, 1, 1, 0]], [5.0, 3.0], [0, 0, 1, 1])
    M = (38 - 2 * np.sqrt(119)) / 11
    return Instance("M1", 2, net, _logs((2, 3, 4, 2)), "Fig. 8 multicast, links AB, BC",
                    np.array([M, M, 3 - M, 5 - M]))


def f9() -> Instance:
    """Fig. 9: one link, max(x11, x12) + x21 <= 1, w = (1, 2, 3). x* = (1/2, 1/2, 1/2)."""
    net = MulticastNetwork([[1, 1, 1]], [1.0], [0, 0, 1])
    return Instance("F9", 2, net, _logs((1, 2, 3)), "Fig. 9 single multicast link", np.full(3, 0.5))


def g1() -> Instance:
    """U1 in ch. 3 form, theta = 1e-4."""
    net = LinearConstraints([[1, 1, 1, 1], [1, 1, 1, 0]], [6.0, 4.0], theta=np.full(4, 1e-4))
    return Instance("G1", 3, net, _logs((2, 3, 4, 2)), "unicast as A x <= c",
                    np.array([5 / 9, 4 / 3, 19 / 9, 2.0]))


def g2() -> Instance:
    """Public good, N = 3: x1 = x2 = x3 (cyclic chain), (x1 + x2 + x3)/3 <= 2, w = (1, 2, 3). x* = (2, 2, 2)."""
    net = LinearConstraints([[1 / 3, 1 / 3, 1 / 3]], [2.0], equal_groups=[[0, 1, 2]])
    return Instance("G2", 3, net, _logs((1, 2, 3)), "public good (degenerate)", np.full(3, 2.0))


def g3() -> Instance:
    """Local public goods / interference: groups {1,2}, {3,4}; (x1+x2)/2 + (x3+x4)/2 <= 6;
    v = a ln(1+x) - b x, a = (3, 2, 1, 2), b = (0.2, 0.1, 0.3, 0.1). x~* = (u, 6-u),
    u = -37 + 4 sqrt(106) (the notes print 8 sqrt(106), a typo: u^2 + 74u - 327 = 0)."""
    net = LinearConstraints([[0.5, 0.5, 0.5, 0.5]], [6.0], equal_groups=[[0, 1], [2, 3]])
    util = tuple(LogLinearUtility(a, b) for a, b in zip((3, 2, 1, 2), (0.2, 0.1, 0.3, 0.1)))
    u = -37 + 4 * np.sqrt(106)
    return Instance("G3", 3, net, util, "local public goods / interference",
                    np.array([u, u, 6 - u, 6 - u]))


def g4() -> Instance:
    """Interior optimum: sum x <= 10, v = -(x - a)^2/2, a = (0.5, 1, 0.8, 0.3, 1.2). x* = a, lambda* = 0."""
    a = (0.5, 1.0, 0.8, 0.3, 1.2)
    net = LinearConstraints([[1.0] * 5], [10.0])
    return Instance("G4", 3, net, tuple(QuadraticUtility(peak=p) for p in a), "interior optimum", np.array(a))


def g5() -> Instance:
    """N^l = 5: sum x <= 15, w = (1..5). lambda* = 3/4, x* = w / 0.75 - 1."""
    w = np.arange(1, 6, dtype=float)
    net = LinearConstraints([[1.0] * 5], [15.0])
    return Instance("G5", 3, net, _logs(w), "off-equilibrium SBB (N^l = 5)", w / 0.75 - 1)


INSTANCES = {"U1": u1, "U1b": u1b, "M1": m1, "F9": f9, "G1": g1, "G2": g2, "G3": g3, "G4": g4, "G5": g5}


def get_instance(name: str) -> Instance:
    if name not in INSTANCES:
        raise KeyError(f"name: no instance {name!r}; known: {', '.join(INSTANCES)}")
    return INSTANCES[name]()
