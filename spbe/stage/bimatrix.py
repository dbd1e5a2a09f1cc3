"""All Nash equilibria of a two-player normal-form (bimatrix) game by support enumeration.

This is the fast path of :func:`spbe.stage_equilibria` for the case the issue benchmarks
against QuantEcon: δ = 0 (or no continuation value), two agents, one type each. The stage
fixed point (6.4) is then an ordinary Nash equilibrium of the bimatrix game (A, B), and the
general Kakutani case enumeration (every support of every agent-type, nonlinear solves) does
far more work than needed: for nondegenerate games the supports of every equilibrium have
equal size and each support pair is one pair of linear systems
(:mod:`spbe._kernels.support_enumeration`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.backends import check_backend, kernel_module
from .._validation import as_float_array

__all__ = ["BimatrixEquilibria", "bimatrix_equilibria"]

_INITIAL_CAPACITY = 64


@dataclass(frozen=True)
class BimatrixEquilibria:
    """Result of :func:`bimatrix_equilibria`.

    Attributes
    ----------
    equilibria : tuple of ``(x, y)`` pairs of mixed actions, ``x`` of length m, ``y`` of n
    supports : tuple of ``(I, J)`` pairs of index tuples, the support pair that produced each
    degenerate : True if any sign of degeneracy was seen (``n_singular + n_ties + n_zero_weights
        > 0``): then equilibria with supports of unequal size or continua may exist that the
        list lacks. False means the list is complete (up to ``tol``).
    n_singular : indifference systems with a family of solutions (not a unique one)
    n_ties : admissible half-solutions with a pure action outside the support tied with it
    n_zero_weights : admissible half-solutions with a weight within ``tol`` of zero
    n_pairs : support pairs enumerated, Σ_k C(m, k) C(n, k)
    n_solves : linear systems solved (the column player's only after the row player's passed)
    n_inconsistent : singular systems without any solution (no sign of degeneracy: no mix on
        that support makes the other support indifferent)
    tol, backend : the settings used
    """

    equilibria: tuple
    supports: tuple
    degenerate: bool
    n_singular: int
    n_ties: int
    n_zero_weights: int
    n_pairs: int
    n_solves: int
    n_inconsistent: int
    tol: float
    backend: str

    def __len__(self) -> int:
        return len(self.equilibria)

    def __iter__(self):
        return iter(self.equilibria)

    def __getitem__(self, k):
        return self.equilibria[k]


def bimatrix_equilibria(A, B, *, tol: float = 1e-9, backend: str = "numba") -> BimatrixEquilibria:
    """Every Nash equilibrium of the bimatrix game (A, B), by support enumeration.

    Method: support enumeration over supports of equal size (B. von Stengel, "Equilibrium
    computation for two-player games in strategic and extensive form", ch. 3 §3.3 of N. Nisan,
    T. Roughgarden, É. Tardos, V. Vazirani (eds.), *Algorithmic Game Theory*, Cambridge UP,
    2007). For every k and every pair of supports (I, J) with |I| = |J| = k it solves the two
    linear indifference systems (y on J making the row player indifferent over I, x on I
    making the column player indifferent over J, each with Σ = 1), and keeps (x, y) when both
    are ≥ 0 and no pure action outside the supports earns more (within ``tol``).

    The method **assumes the game is nondegenerate** (no mixed strategy with support of size s
    has more than s pure best responses); then every equilibrium has equal-size supports and
    is isolated, and the list is complete. Degeneracy is *detected*, not assumed away: the
    result counts the singular systems met that have solutions, the admissible half-solutions
    with a tied best response outside their support, and those with a weight within ``tol``
    of zero. If all
    three are zero the list is complete; otherwise ``degenerate`` is True and equilibria with
    unequal supports or continua may be missing (see :mod:`spbe._kernels.support_enumeration`
    for why these three signs suffice). :func:`spbe.stage_equilibria` with ``method="auto"``
    then falls back to its general case enumeration.

    Parameters
    ----------
    A, B : array_like, shape ``(m, n)``
        Payoffs of the row player and of the column player, rows indexing the row player's
        actions in both (Nashpy's convention; QuantEcon's ``Player`` of the column player
        takes ``B.T``).
    tol : float
        Absolute tolerance, in payoff units for the best-response test and the tie test and
        in probability for the sign of the weights (a weight in ``[-tol, 0)`` is clipped to 0
        and counted as a zero weight).
    backend : ``"numba"`` (compiled, default) or ``"numpy"`` (the same source run by CPython,
        :mod:`spbe._kernels.backends`; for testing).

    Returns
    -------
    BimatrixEquilibria
        Equilibria ordered by support size, then lexicographically by the row support, then by
        the column support; a profile reached from two support pairs (only possible in a
        degenerate game) is listed once.

    Examples
    --------
    Battle of the sexes: two pure equilibria and the mixed one.

    >>> import numpy as np
    >>> A, B = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> res = bimatrix_equilibria(A, B)
    >>> for x, y in res:
    ...     print(x.round(4), y.round(4))
    [1. 0.] [1. 0.]
    [0. 1.] [0. 1.]
    [0.6667 0.3333] [0.3333 0.6667]
    >>> res.supports, res.degenerate
    ((((0,), (0,)), ((1,), (1,)), ((0, 1), (0, 1))), False)
    """
    check_backend(backend)
    if not (tol > 0 and np.isfinite(tol)):
        raise ValueError(f"tol: must be a positive number, got {tol!r}")
    A, B = as_float_array(A, "A"), as_float_array(B, "B")
    if A.ndim != 2 or A.shape[0] < 1 or A.shape[1] < 1:
        raise ValueError(f"A: expected a non-empty (m, n) matrix, got shape {A.shape}")
    if B.shape != A.shape:
        raise ValueError(f"B: expected the shape of A {A.shape}, got {B.shape}")
    return _enumerate(A, B, float(tol), backend)


def _enumerate(A: np.ndarray, B: np.ndarray, tol: float, backend: str) -> BimatrixEquilibria:
    """:func:`bimatrix_equilibria` on validated input (the stage solver's game is validated)."""
    # fresh writable C-contiguous float64 copies: numba compiles one specialization per array
    # type (read-only arrays, as DynamicGame stores them, would be a second one)
    A = np.array(A, dtype=np.float64, order="C")
    B = np.array(B, dtype=np.float64, order="C")
    kern = kernel_module("support_enumeration", backend)
    m, n = A.shape
    kmax = min(m, n)
    cap = _INITIAL_CAPACITY
    while True:
        out_x, out_y = np.empty((cap, m)), np.empty((cap, n))
        out_rows = np.empty((cap, kmax), dtype=np.int64)
        out_cols = np.empty((cap, kmax), dtype=np.int64)
        out_k = np.empty(cap, dtype=np.int64)
        stats = np.zeros(kern.N_STATS, dtype=np.int64)
        found = int(kern.support_enumeration(A, B, tol, out_x, out_y, out_rows, out_cols,
                                             out_k, stats))
        if found <= cap:
            break
        cap = found                          # rare: more equilibria than room; run again

    supports = tuple((tuple(out_rows[e, :k].tolist()), tuple(out_cols[e, :k].tolist()))
                     for e, k in enumerate(out_k[:found].tolist()))
    n_singular, n_ties, n_zero = (int(stats[kern.SINGULAR]), int(stats[kern.TIE]),
                                  int(stats[kern.ZERO]))
    return BimatrixEquilibria(
        equilibria=tuple(zip(out_x[:found].copy(), out_y[:found].copy())), supports=supports,
        degenerate=bool(n_singular or n_ties or n_zero), n_singular=n_singular, n_ties=n_ties,
        n_zero_weights=n_zero, n_pairs=int(stats[kern.PAIRS]), n_solves=int(stats[kern.SOLVES]),
        n_inconsistent=int(stats[kern.INCONSISTENT]), tol=tol, backend=backend)
