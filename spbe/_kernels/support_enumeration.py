"""Numba kernels: every equilibrium of a nondegenerate bimatrix game by support enumeration.

The method (von Stengel, "Equilibrium computation for two-player games in strategic and
extensive form", ch. 3 of Nisan, Roughgarden, Tardos, Vazirani (eds.), *Algorithmic Game
Theory*, 2007, §3.3): in a *nondegenerate* game (no mixed strategy with support of size s has
more than s pure best responses) every Nash equilibrium has supports of equal size k, and the
two indifference systems of a support pair (I, J), |I| = |J| = k,

    Σ_{j∈J} A[i, j] y_j = u  (i ∈ I),  Σ_{j∈J} y_j = 1   (y: row player indifferent on I)
    Σ_{i∈I} x_i B[i, j] = w  (j ∈ J),  Σ_{i∈I} x_i = 1   (x: column player indifferent on J)

have unique solutions. (I, J) carries an equilibrium if and only if x, y ≥ 0 and no pure
action outside I (outside J) earns more than u (than w). Enumerating the Σ_k C(m,k) C(n,k)
pairs therefore lists every equilibrium.

Why our own loop rather than a library's: the stage solver needs the *signs of degeneracy*
as well as the equilibria, so that ``spbe.stage_equilibria(method="auto")`` can fall back to
the general case enumeration exactly when support enumeration may have missed something.
Three counters are kept, over every half-system that was solved:

``singular``  a k×k system had solutions but not a unique one (pivot below ``1e-12 ×`` the
              payoff scale, reduced right-hand side zero): a family of indifferent mixes;
``tie``       a solution that is ≥ 0 and passes the best-response test has a pure action
              *outside* its support tied (within ``tol``) with the support's value: that mix
              has more than k best responses;
``zero``      such a solution has a weight within ``tol`` of 0: a mix with fewer than k
              actions has k best responses.

``tie`` and ``zero`` are certificates of degeneracy. Conversely, if an equilibrium is missed
(unequal supports, a continuum, or a singular equal-size pair), one of the three counters is
positive: an equilibrium (x*, y*) with |I*| > |J*| shows up as a tie when y* is solved
against any |J*|-subset of I*; one with |I*| < |J*| yields, at a vertex y' of the polytope of
mixes on J* that keep I* indifferent and optimal, a pair whose y-half passes and whose x-half
is solved by x* (zero weights or ties), unless a system on the way is singular. Each system
on the way has a known solution (x*, y* or y'), so a singular one there is *consistent*;
singular systems without any solution (counted apart as ``inconsistent``, e.g. two rows that
differ by a constant on J) cannot hide an equilibrium and are no sign of degeneracy. So "the
three counters zero" means the list is complete up to the tolerances.

Each pair solves the row player's system first and only solves the column player's when the
first one passed (non-negative, best response): most pairs fail the first test, so this
halves the work. The indifference rows are written relative to the support's first action
(so the value drops out and a pair is one k×k system, not k+1), and the payoffs relative to
that action are formed once per row support and shared by all its column supports. The
systems are solved by a small Gaussian elimination with partial pivoting written out here: at
these sizes (k ≤ 10) calling LAPACK through ``np.linalg.solve`` costs more in allocation and
call overhead than the arithmetic (measured on 5 random 10×10 games, 2-core machine: about
43 ms per game with this elimination, 141 ms with ``np.linalg.solve``, QuantEcon 115 ms).

Layout: ``A`` and ``B`` are both ``(m, n)``, rows = the row player's actions (the convention
of Nashpy and of ``spbe.DynamicGame``; QuantEcon stores player 2's matrix transposed).
"""
import numpy as np
from numba import njit

#: indices of the ``stats`` counters filled by :func:`support_enumeration`
PAIRS, SOLVES, SINGULAR, TIE, ZERO, INCONSISTENT = 0, 1, 2, 3, 4, 5
N_STATS = 6

#: outcomes of :func:`_solve_in_place`
UNIQUE, SINGULAR_CONSISTENT, SINGULAR_INCONSISTENT = 0, 1, 2

#: a pivot below this fraction of the payoff scale counts as singular
PIVOT_RTOL = 1e-12


@njit(cache=True)
def _next_combination(c, k, n):
    """Advance the sorted k-subset ``c`` of {0..n-1} to its lexicographic successor in place;
    False when ``c`` was the last one."""
    i = k - 1
    while i >= 0 and c[i] == n - k + i:
        i -= 1
    if i < 0:
        return False
    c[i] += 1
    for j in range(i + 1, k):
        c[j] = c[j - 1] + 1
    return True


@njit(cache=True)
def _solve_in_place(M, rhs, k, pivot_tol, out):
    """Solve ``M[:k, :k] z = rhs[:k]`` into ``out[:k]`` by Gaussian elimination with partial
    pivoting, destroying ``M`` and ``rhs``.

    Returns UNIQUE (solution written), SINGULAR_CONSISTENT (some column has no pivot above
    ``pivot_tol`` and the reduced right-hand side vanishes: an affine family of solutions) or
    SINGULAR_INCONSISTENT (no solution at all). The two singular outcomes are told apart by
    reducing to row echelon form, skipping pivotless columns: only a consistent singular
    system can hide an equilibrium (module docstring), so only that one is a sign of
    degeneracy.
    """
    prow = 0
    singular = False
    for col in range(k):
        piv = prow
        best = -1.0
        for r in range(prow, k):
            a = abs(M[r, col])
            if a > best:
                best = a
                piv = r
        if best <= pivot_tol:
            singular = True              # a free column: leave it, go on with the next
            continue
        if piv != prow:
            for c in range(col, k):
                t = M[prow, c]
                M[prow, c] = M[piv, c]
                M[piv, c] = t
            t = rhs[prow]
            rhs[prow] = rhs[piv]
            rhs[piv] = t
        inv = 1.0 / M[prow, col]
        for r in range(prow + 1, k):
            f = M[r, col] * inv
            if f != 0.0:
                for c in range(col + 1, k):
                    M[r, c] -= f * M[prow, c]
                rhs[r] -= f * rhs[prow]
        prow += 1
        if prow == k:
            break
    if singular:
        for r in range(prow, k):
            if abs(rhs[r]) > pivot_tol:
                return SINGULAR_INCONSISTENT
        return SINGULAR_CONSISTENT
    for r in range(k - 1, -1, -1):
        s = rhs[r]
        for c in range(r + 1, k):
            s -= M[r, c] * out[c]
        out[r] = s / M[r, r]
    return UNIQUE


@njit(cache=True)
def _indifferent_mix(D, own, opp, k, in_own, scale, tol, pivot_tol, M, rhs, mix, stats):
    """The opponent's mix on ``opp`` that makes a player indifferent over ``own``, if it is an
    admissible half of an equilibrium.

    ``D[a, b] = P[a, b] - P[own[0], b]`` is the player's payoff matrix P (own actions x
    opponent actions) relative to the first support action, so the indifference rows are
    ``D[own[r], opp] · mix = 0`` (r ≥ 1) and the value of every other action a relative to the
    support's is ``D[a, opp] · mix``. The sum-to-one row is scaled by the payoff scale so that
    all rows have comparable size (the pivot test is relative to that scale).

    Returns True when the system is nonsingular, ``mix ≥ -tol`` and no action outside ``own``
    gains more than ``tol``; then also counts a tie or a zero weight in ``stats`` (see the
    module docstring). A singular system is counted (SINGULAR if it has solutions,
    INCONSISTENT if it has none) and rejected.
    """
    stats[SOLVES] += 1
    for r in range(k - 1):
        a = own[r + 1]
        for c in range(k):
            M[r, c] = D[a, opp[c]]
        rhs[r] = 0.0
    for c in range(k):
        M[k - 1, c] = scale
    rhs[k - 1] = scale
    status = _solve_in_place(M, rhs, k, pivot_tol, mix)
    if status != UNIQUE:
        stats[SINGULAR if status == SINGULAR_CONSISTENT else INCONSISTENT] += 1
        return False
    zero = False
    for c in range(k):
        if mix[c] < -tol:
            return False
        if mix[c] <= tol:
            zero = True
    tie = False
    for a in range(D.shape[0]):
        if in_own[a]:
            continue
        gain = 0.0
        for c in range(k):
            gain += D[a, opp[c]] * mix[c]
        if gain > tol:
            return False
        if gain >= -tol:
            tie = True
    if tie:
        stats[TIE] += 1
    if zero:
        stats[ZERO] += 1
    return True


@njit(cache=True)
def _relative_to(P, a0, D):
    """``D[a, b] = P[a, b] - P[a0, b]``."""
    for a in range(P.shape[0]):
        for b in range(P.shape[1]):
            D[a, b] = P[a, b] - P[a0, b]


@njit(cache=True)
def _clip(w, k):
    """Weights admitted within ``-tol`` of zero (and -0.0) become 0, the rest renormalized."""
    clipped = False
    for r in range(k):
        if w[r] < 0.0:
            clipped = True
        if w[r] <= 0.0:
            w[r] = 0.0
    if clipped:
        total = 0.0
        for r in range(k):
            total += w[r]
        for r in range(k):
            w[r] /= total


@njit(cache=True)
def _record(x, y, rows, cols, k, found, out_x, out_y, out_rows, out_cols, out_k):
    """Store the equilibrium (x on ``rows``, y on ``cols``) unless an equal profile (within
    1e-10; possible only in a degenerate game, from another support pair) is stored already.
    Returns the new count; past the capacity only counts (the caller runs again, larger)."""
    _clip(x, k)
    _clip(y, k)
    cap = out_x.shape[0]
    m = out_x.shape[1]
    n = out_y.shape[1]
    if found >= cap:
        return found + 1
    for i in range(m):
        out_x[found, i] = 0.0
    for j in range(n):
        out_y[found, j] = 0.0
    for r in range(k):
        out_x[found, rows[r]] = x[r]
        out_y[found, cols[r]] = y[r]
    for e in range(found):
        same = True
        for i in range(m):
            if abs(out_x[e, i] - out_x[found, i]) > 1e-10:
                same = False
                break
        if same:
            for j in range(n):
                if abs(out_y[e, j] - out_y[found, j]) > 1e-10:
                    same = False
                    break
        if same:
            return found
    for r in range(k):
        out_rows[found, r] = rows[r]
        out_cols[found, r] = cols[r]
    out_k[found] = k
    return found + 1


@njit(cache=True)
def support_enumeration(A, B, tol, out_x, out_y, out_rows, out_cols, out_k, stats):
    """Enumerate the equal-size support pairs of the bimatrix game (A, B), both ``(m, n)``.

    Writes the first ``out_x.shape[0]`` equilibria found into ``out_x (cap, m)``,
    ``out_y (cap, n)``, their supports into ``out_rows (cap, min(m, n))``, ``out_cols`` and
    ``out_k (cap,)`` (the support size), and returns the number found, which may exceed the
    capacity (the caller then calls again with more room). Weights admitted in ``[-tol, 0)``
    are clipped to 0; a profile equal to one stored before is not stored again.
    ``stats (N_STATS,)`` int64 receives the counters PAIRS, SOLVES, SINGULAR, TIE, ZERO
    (module docstring). Order: by support size, then lexicographically by the row support,
    then by the column support.
    """
    m, n = A.shape
    Bt = np.ascontiguousarray(B.T)           # the column player's payoffs, own actions first
    scale_a = 0.0
    scale_b = 0.0
    for i in range(m):
        for j in range(n):
            scale_a = max(scale_a, abs(A[i, j]))
            scale_b = max(scale_b, abs(B[i, j]))
    if scale_a == 0.0:
        scale_a = 1.0
    if scale_b == 0.0:
        scale_b = 1.0
    piv_a = PIVOT_RTOL * scale_a
    piv_b = PIVOT_RTOL * scale_b
    for s in range(stats.shape[0]):
        stats[s] = 0
    kmax = min(m, n)
    Da = np.empty((m, n))                    # A relative to the first action of I
    Db = np.empty((n, m))                    # B^T relative to the first action of J
    M = np.empty((kmax, kmax))
    rhs = np.empty(kmax)
    x = np.empty(kmax)
    y = np.empty(kmax)
    rows = np.empty(kmax, dtype=np.int64)
    cols = np.empty(kmax, dtype=np.int64)
    in_rows = np.zeros(m, dtype=np.bool_)
    in_cols = np.zeros(n, dtype=np.bool_)
    found = 0
    for k in range(1, kmax + 1):
        for r in range(k):
            rows[r] = r
        more_rows = True
        while more_rows:
            for i in range(m):
                in_rows[i] = False
            for r in range(k):
                in_rows[rows[r]] = True
            _relative_to(A, rows[0], Da)     # once per row support, shared by every J
            for c in range(k):
                cols[c] = c
            more_cols = True
            while more_cols:
                stats[PAIRS] += 1
                # the row player's indifference first: y on J (most pairs stop here)
                if _indifferent_mix(Da, rows, cols, k, in_rows, scale_a, tol, piv_a,
                                    M, rhs, y, stats):
                    for j in range(n):
                        in_cols[j] = False
                    for c in range(k):
                        in_cols[cols[c]] = True
                    _relative_to(Bt, cols[0], Db)
                    if _indifferent_mix(Db, cols, rows, k, in_cols, scale_b, tol, piv_b,
                                        M, rhs, x, stats):
                        found = _record(x, y, rows, cols, k, found, out_x, out_y, out_rows,
                                        out_cols, out_k)
                more_cols = _next_combination(cols, k, n)
            more_rows = _next_combination(rows, k, m)
    return found
