"""Cases of the Kakutani case enumeration (thesis ch. 6 §6, notes §2.4).

A *case* fixes, for every agent-type (i, x^i), the support S^{i,x} ⊆ 𝒜^i of its mixed action.
For binary actions the supports are {0}, {1} and {0, 1} (the variable at a vertex of [0, 1]
or in its interior), so there are 3^{Σ_i M_i} cases (81 for the public-goods game); in general
Π_i (2^{K_i} - 1)^{M_i}. Within a case, the actions on a support must be indifferent (equations in
the interior unknowns) and the actions off it no better (sign conditions at the vertices).

Agent-types are listed agent-major, type-minor: (1, x_1), (1, x_2), ..., (2, x_1), ...
"""
from __future__ import annotations

from itertools import combinations
from typing import Iterable, Iterator, Sequence

import numpy as np

__all__ = ["supports_of", "count_cases", "iter_cases", "case_label", "n_unknowns", "case_of_strategy"]

Case = tuple  # tuple over agent-types of sorted action tuples


def supports_of(n_actions: int) -> list[tuple[int, ...]]:
    """Non-empty supports of an agent-type with ``n_actions`` actions, smallest first."""
    return [s for size in range(1, n_actions + 1) for s in combinations(range(n_actions), size)]


def count_cases(game) -> int:
    """Π_i (2^{K_i} - 1)^{M_i} (for binary actions 3^{Σ M_i})."""
    return int(np.prod([(2 ** k - 1) ** m for m, k in zip(game.n_types, game.n_actions)],
                       dtype=object))


def n_unknowns(case: Case) -> int:
    """Number of interior unknowns of a case: Σ (|S| - 1)."""
    return sum(len(s) - 1 for s in case)


def _agent_type_actions(game) -> list[int]:
    return [k for k, m in zip(game.n_actions, game.n_types) for _ in range(m)]


def iter_cases(game, *, first: Iterable[Case] = (), max_unknowns: int | None = None) -> Iterator[Case]:
    """All cases, those in ``first`` first, then by increasing number of interior unknowns.

    Within one number of unknowns the order is lexicographic in the agent-types' supports,
    so the order is deterministic. ``max_unknowns`` caps the enumeration.
    """
    per_type = [supports_of(k) for k in _agent_type_actions(game)]
    seen = set()
    for case in first:
        case = tuple(tuple(s) for s in case)
        if case not in seen and (max_unknowns is None or n_unknowns(case) <= max_unknowns):
            seen.add(case)
            yield case
    top = sum(k - 1 for k in _agent_type_actions(game))
    if max_unknowns is not None:
        top = min(top, max_unknowns)
    for target in range(top + 1):
        yield from (c for c in _cases_with_unknowns(per_type, target) if c not in seen)


def _cases_with_unknowns(per_type: Sequence[list], target: int) -> Iterator[Case]:
    """Cases whose supports add up to exactly ``target`` interior unknowns (no full product scan)."""
    if not per_type:
        if target == 0:
            yield ()
        return
    head, rest = per_type[0], per_type[1:]
    room = sum(len(p[-1]) - 1 for p in rest)
    for s in head:
        remaining = target - (len(s) - 1)
        if 0 <= remaining <= room:
            for tail in _cases_with_unknowns(rest, remaining):
                yield (s,) + tail


def case_of_strategy(game, strategy, threshold: float = 0.0) -> Case:
    """The case (supports) of a prescription profile: actions with probability > threshold."""
    out = []
    for g in strategy:
        g = np.asarray(g)
        for row in g:
            out.append(tuple(int(a) for a in np.flatnonzero(row > threshold)))
    return tuple(out)


def case_label(game, case: Case) -> str:
    """Readable label, e.g. ``"1[H:0 L:01] 2[H:0 L:1]"`` (type names, then action indices)."""
    parts, k = [], 0
    for i in range(game.n_agents):
        inner = []
        for name in game.types[i]:
            inner.append(f"{name}:{''.join(str(a) for a in case[k])}")
            k += 1
        parts.append(f"{game.agent_names[i]}[{' '.join(inner)}]")
    return " ".join(parts)


def nest_case(game, case: Case) -> tuple:
    """Flat case -> per agent, per type supports."""
    out, k = [], 0
    for m in game.n_types:
        out.append(tuple(case[k:k + m]))
        k += m
    return tuple(out)
