"""Continuation values V^i(π, x^i) stored on a belief grid.

The stage fixed point (6.4)/(6.17a) needs V^i at the updated beliefs F(π, γ̃, a), which are
off the grid in general; :class:`ContinuationValue` holds the node values and interpolates.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._validation import GameValidationError, as_float_array
from .grid import BeliefGrid

__all__ = ["ContinuationValue"]


class ContinuationValue:
    """V^i(π, x^i) for every agent i and type x^i, known at the nodes of a :class:`BeliefGrid`.

    Parameters
    ----------
    grid : BeliefGrid
    values : array_like, shape ``(n_nodes, N, M_max)``
        ``values[k, i, x]`` is V^i at node k for type x (entries beyond M_i are ignored).
    """

    def __init__(self, grid: BeliefGrid, values):
        if not isinstance(grid, BeliefGrid):
            raise GameValidationError(f"grid: expected a BeliefGrid, got {type(grid).__name__}")
        values = as_float_array(values, "values")
        expected = (grid.n_nodes, grid.n_agents, max(grid.n_types))
        if values.shape != expected:
            raise GameValidationError(f"values: expected shape {expected}, got {values.shape}")
        self.grid = grid
        self.values = np.ascontiguousarray(values)

    @classmethod
    def zeros(cls, grid: BeliefGrid) -> "ContinuationValue":
        return cls(grid, np.zeros((grid.n_nodes, grid.n_agents, max(grid.n_types))))

    @classmethod
    def from_function(cls, grid: BeliefGrid, fn: Callable) -> "ContinuationValue":
        """Sample ``fn(belief) -> sequence of N arrays over types`` at every node."""
        out = np.zeros((grid.n_nodes, grid.n_agents, max(grid.n_types)))
        for k in range(grid.n_nodes):
            for i, v in enumerate(fn(grid.belief(k))):
                out[k, i, :grid.n_types[i]] = np.asarray(v, dtype=float)
        return cls(grid, out)

    @property
    def flat_values(self) -> np.ndarray:
        """``(n_nodes, N * M_max)`` view for the kernels."""
        return self.values.reshape(self.grid.n_nodes, -1)

    def __call__(self, belief, backend: str = "numba") -> tuple[np.ndarray, ...]:
        """V at any belief: a tuple of per-agent arrays over types."""
        v = self.grid.interpolate(self.values, belief, backend=backend)
        return tuple(v[i, :m].copy() for i, m in enumerate(self.grid.n_types))

    def __repr__(self) -> str:
        return f"ContinuationValue({self.grid!r})"
