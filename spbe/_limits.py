"""Size guards: refuse, before allocating anything, a problem that cannot finish.

Three caps, checked where the work is set up:

``max_cases``    cases of the stage enumeration per belief, Π_i (2^K_i − 1)^M_i (fewer with
                 ``max_unknowns``); checked by ``stage_equilibria``, the grid solvers and ``solve``
``max_nodes``    nodes of a belief grid, Π_i C(n_i + M_i − 1, M_i − 1); checked by ``BeliefGrid``
``max_memory``   bytes of the arrays a solve (or a game) holds, estimated from the sizes

The defaults (1,000,000 cases, 2,000,000 nodes, 8 GiB) admit every game of the catalog on any
grid it is used on (three agents on 41³ nodes, two agents with three types, 101 × 101 grids).
Raise them with :func:`set_limits` (or the ``with spbe.limits(...)`` block), the environment
variables ``SPBE_MAX_CASES``, ``SPBE_MAX_NODES``, ``SPBE_MAX_MEMORY_GB``, or the command-line
options ``--max-cases``, ``--max-nodes``, ``--max-memory``.
"""
from __future__ import annotations

import math
import os
from contextlib import contextmanager

from ._validation import GameValidationError, check_int

__all__ = ["SizeLimitError", "get_limits", "set_limits", "limits", "case_count", "check_cases",
           "grid_node_count", "check_grid", "check_memory", "solve_memory_estimate"]

DEFAULTS = dict(max_cases=1_000_000, max_nodes=2_000_000, max_memory=8 * 2 ** 30)
_ENV = dict(max_cases="SPBE_MAX_CASES", max_nodes="SPBE_MAX_NODES", max_memory="SPBE_MAX_MEMORY_GB")
_OPTION = dict(max_cases="max_cases (spbe.set_limits) / --max-cases",
               max_nodes="max_nodes (spbe.set_limits) / --max-nodes",
               max_memory="max_memory (spbe.set_limits, bytes) / --max-memory (GiB)")

_current: dict = {}


class SizeLimitError(GameValidationError):
    """The problem exceeds a size guard; the message gives the estimate and the option that
    raises the cap."""


def _from_env(key: str):
    text = os.environ.get(_ENV[key])
    if text is None or not text.strip():
        return DEFAULTS[key]
    try:
        value = float(text)
    except ValueError:
        raise GameValidationError(f"{_ENV[key]}: must be a positive number, got {text[:40]!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise GameValidationError(f"{_ENV[key]}: must be a positive number, got {text[:40]!r}")
    return int(value * 2 ** 30) if key == "max_memory" else int(value)


def get_limits() -> dict:
    """The caps in force: ``max_cases``, ``max_nodes``, ``max_memory`` (bytes)."""
    return {key: _current[key] if key in _current else _from_env(key) for key in DEFAULTS}


def set_limits(*, max_cases=None, max_nodes=None, max_memory=None) -> dict:
    """Set caps for this process (None leaves one as it is); returns the previous ones."""
    previous = get_limits()
    for key, value in (("max_cases", max_cases), ("max_nodes", max_nodes), ("max_memory", max_memory)):
        if value is not None:
            _current[key] = check_int(value, key, minimum=1)
    return previous


@contextmanager
def limits(*, max_cases=None, max_nodes=None, max_memory=None):
    """``with spbe.limits(max_cases=10**7): ...``: raised (or lowered) caps inside the block."""
    saved = dict(_current)
    set_limits(max_cases=max_cases, max_nodes=max_nodes, max_memory=max_memory)
    try:
        yield get_limits()
    finally:
        _current.clear()
        _current.update(saved)


def _fmt(n) -> str:
    if isinstance(n, float):
        return f"{n:.3g}"
    return f"{n:,}" if n < 10 ** 15 else f"{n:.3g}"


def _bytes(n) -> str:
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.3g} EiB"  # pragma: no cover


# ---------------------------------------------------------------------- cases
def case_count(n_types, n_actions, max_unknowns=None):
    """Cases of the enumeration per belief: Π_i (2^K_i − 1)^M_i, or those with at most
    ``max_unknowns`` interior unknowns. An ``int``; a ``float`` when it exceeds 1e30."""
    per_type = [int(k) for k, m in zip(n_actions, n_types) for _ in range(int(m))]
    log10 = sum(k * math.log10(2) if k > 50 else math.log10(2 ** k - 1) for k in per_type)
    if max_unknowns is None or max_unknowns >= sum(k - 1 for k in per_type) or max_unknowns > 1000:
        if log10 > 30:
            return float(10 ** min(log10, 300))
        return math.prod(2 ** k - 1 for k in per_type)
    U = int(max_unknowns)
    # polynomial in the number of unknowns: an agent-type with K actions has C(K, u + 1) supports
    # of u unknowns
    counts = [1] + [0] * U
    for k in per_type:
        coef = [math.comb(k, u + 1) for u in range(min(U, k - 1) + 1)]
        new = [0] * (U + 1)
        for a, ca in enumerate(counts):
            if ca:
                for b, cb in enumerate(coef):
                    if a + b > U:
                        break
                    new[a + b] += ca * cb
        counts = new
    total = sum(counts)
    return float(total) if total > 10 ** 30 else total


def check_cases(n_types, n_actions, max_unknowns=None, what: str = "game") -> int:
    """Refuse an enumeration of more than ``max_cases`` cases per belief."""
    n = case_count(n_types, n_actions, max_unknowns)
    cap = get_limits()["max_cases"]
    if n > cap:
        shape = " x ".join(f"{m}" for m in n_types)
        raise SizeLimitError(
            f"{what}: {_fmt(n)} cases of the stage enumeration per belief ({len(n_types)} agents, "
            f"types {shape}, actions {tuple(int(k) for k in n_actions)}"
            + ("" if max_unknowns is None else f", max_unknowns={max_unknowns}")
            + f") exceed the limit of {_fmt(cap)}; raise it with {_OPTION['max_cases']}, or cap "
            f"the enumeration with max_unknowns / --max-unknowns")
    return n


# ---------------------------------------------------------------------- grids
def grid_node_count(n_types, resolution) -> int:
    """Nodes of the product of simplex lattices: Π_i C(n_i + M_i − 1, M_i − 1)."""
    return math.prod(math.comb(int(n) + int(m) - 1, int(m) - 1) for m, n in zip(n_types, resolution))


def _table_entries(n_types, resolution) -> int:
    return sum((int(n) + 1) ** (int(m) - 1) if m > 1 else 1 for m, n in zip(n_types, resolution))


def check_grid(n_types, resolution, what: str = "grid") -> int:
    """Refuse a grid of more than ``max_nodes`` nodes (or whose lookup tables exceed the memory
    cap) before building it."""
    caps = get_limits()
    nodes = grid_node_count(n_types, resolution)
    points = [int(n) + 1 for n in resolution]
    if nodes > caps["max_nodes"]:
        raise SizeLimitError(
            f"{what}: {_fmt(nodes)} belief nodes (resolution {tuple(int(r) for r in resolution)}, "
            f"{points[0] if len(set(points)) == 1 else points} points per axis, {len(n_types)} agents) "
            f"exceed the limit of {_fmt(caps['max_nodes'])}; raise it with {_OPTION['max_nodes']}")
    table = 8 * (_table_entries(n_types, resolution) + 2 * nodes * max(len(n_types), 1) * max(n_types))
    if table > caps["max_memory"]:
        raise SizeLimitError(
            f"{what}: the grid's tables would take about {_bytes(table)}, more than the memory "
            f"limit of {_bytes(caps['max_memory'])}; raise it with {_OPTION['max_memory']}")
    return nodes


# ---------------------------------------------------------------------- memory
def solve_memory_estimate(n_types, n_actions, n_nodes, periods: int = 1, n_cases: int = 0) -> int:
    """Bytes of the arrays a grid solve holds: per node and period about ten prescription arrays
    (N x M_max x K_max: θ, the played and intended strategies, the check grid's) and twenty value
    arrays (N x M_max: V, Anderson's memory, interpolation), plus the case table."""
    N, mx, kx = len(n_types), max(n_types), max(n_actions)
    per_node = 8 * N * mx * (10 * kx + 20)
    return int(per_node * n_nodes * max(int(periods), 1) + 8 * n_cases * sum(n_types))


def check_memory(n_bytes, what: str) -> None:
    cap = get_limits()["max_memory"]
    if n_bytes > cap:
        raise SizeLimitError(
            f"{what}: about {_bytes(n_bytes)} of arrays, more than the memory limit of "
            f"{_bytes(cap)}; raise it with {_OPTION['max_memory']}")
