"""The stage fixed point (6.4)/(6.17a) at one belief, by Kakutani case enumeration.

Thesis ch. 6 §6 ("81 cases") and implementation notes §2.4. For each case (a support for
every agent-type, :mod:`spbe.stage.supports`):

* the actions of every support must be indifferent: Σ_{i,x} (|S^{i,x}| - 1) equations in as
  many interior unknowns, solved in logit coordinates (so that the box is automatic and the
  boundary layers p = O(1e-12) stay resolvable):
  - no unknown: nothing to solve (the thesis: "simply checking the value of functions f_i at
    corner points");
  - one unknown: every sign change of the indifference function on a grid that is log-spaced
    near both ends, refined by Brent's method (there can be several roots);
  - several unknowns: MINPACK's hybrid Powell method from several starts (zero logits, the
    reference strategy, seeded random points);
* every candidate is then *verified*: its largest best-response gain (``residual``) must be at
  most ``tol``. This covers the sign conditions of the vertex variables.

The zero-denominator branch of the Bayes update (6.7) is decided from the case, never from a
rounded float: action a^j is off-path when no type in the support of π^j has it in its support.
Inside a case the interior unknowns are strictly positive, so the update is continuous there.

Fast path (``method="auto"``/``"support-enumeration"``): with two agents of one type each and
no continuation (V None or δ = 0) the stage problem is a bimatrix game, and for nondegenerate
games support enumeration over equal-size supports (:mod:`spbe.stage.bimatrix`, compiled) lists
every equilibrium with one pair of linear solves per support pair instead of the nonlinear
solves of Π_i (2^{K_i} - 1) cases. "auto" keeps the case enumeration whenever support
enumeration reports a sign of degeneracy, so it never returns fewer equilibria than before.
"""
from __future__ import annotations

import time
from typing import Optional, Sequence

import numpy as np

from .._limits import check_cases
from .._kernels.backends import check_backend
from .._validation import GameValidationError, check_discount, check_int, check_real
from .action_values import StageEvaluator, ValueLike, _check_value
from .result import StageEquilibria, StageSolution
from .supports import case_label, case_of_strategy, count_cases, iter_cases, n_unknowns, nest_case

__all__ = ["stage_equilibria", "METHODS"]

#: values of ``stage_equilibria(method=...)``
METHODS = ("auto", "case-enumeration", "support-enumeration")

# Logit grid for one unknown: log-spaced towards both ends of (0, 1), linear in the middle.
_P_LOW = np.logspace(-15, -1, 15)
_Z_SCAN = np.concatenate((np.log(_P_LOW / (1 - _P_LOW)), np.linspace(-2.0, 2.0, 13)[1:-1],
                          -np.log(_P_LOW / (1 - _P_LOW))[::-1]))


def _sigmoid(z: float) -> tuple[float, float]:
    """(σ(z), σ(-z)) computed without cancellation."""
    if z >= 0:
        e = np.exp(-z)
        return 1.0 / (1.0 + e), e / (1.0 + e)
    e = np.exp(z)
    return e / (1.0 + e), 1.0 / (1.0 + e)


def regret(game, U: np.ndarray, gamma: np.ndarray) -> float:
    """Largest one-shot gain max_{i,x} [max_a U^i(x,a) - Σ_a γ^i(a|x) U^i(x,a)] over all agent-types."""
    worst = 0.0
    for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)):
        u = U[i, :m, :k]
        gain = u.max(axis=1) - (gamma[i, :m, :k] * u).sum(axis=1)
        worst = max(worst, float(gain.max()))
    return worst


class _CaseProblem:
    """The indifference system of one case, in logit coordinates."""

    def __init__(self, game, case, evaluator: StageEvaluator, belief: np.ndarray):
        self.game, self.case, self.evaluate = game, case, evaluator
        N, Mx, Kx = game.n_agents, max(game.n_types), max(game.n_actions)
        self.gamma0 = np.zeros((N, Mx, Kx))
        self.mixed = []                      # (i, x, support) with |support| > 1
        self.offpath = np.zeros((N, Kx), dtype=np.bool_)
        k = 0
        for i, (m, kk) in enumerate(zip(game.n_types, game.n_actions)):
            played = np.zeros(kk, dtype=bool)
            for x in range(m):
                support = case[k]
                k += 1
                if len(support) == 1:
                    self.gamma0[i, x, support[0]] = 1.0
                else:
                    self.mixed.append((i, x, support))
                if belief[i, x] > 0:
                    played[list(support)] = True
            self.offpath[i, :kk] = ~played
        self.n = sum(len(s) - 1 for _, _, s in self.mixed)

    def gamma(self, z: np.ndarray) -> np.ndarray:
        g = self.gamma0.copy()
        pos = 0
        for i, x, support in self.mixed:
            if len(support) == 2:
                hi, lo = _sigmoid(z[pos])
                g[i, x, support[0]], g[i, x, support[1]] = lo, hi
            else:
                logits = np.concatenate(([0.0], z[pos:pos + len(support) - 1]))
                w = np.exp(logits - logits.max())
                g[i, x, list(support)] = w / w.sum()
            pos += len(support) - 1
        return g

    def indifference(self, U: np.ndarray) -> np.ndarray:
        out = np.empty(self.n)
        pos = 0
        for i, x, support in self.mixed:
            base = U[i, x, support[0]]
            for a in support[1:]:
                out[pos] = U[i, x, a] - base
                pos += 1
        return out

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.indifference(self.evaluate(self.gamma(z), self.offpath))

    def logits_of(self, strategy: np.ndarray, floor: float = 1e-12) -> np.ndarray:
        """Starting logits from a (padded) strategy, clipped away from the boundary."""
        z = []
        for i, x, support in self.mixed:
            p = np.clip(strategy[i, x, list(support)], floor, None)
            z.extend(np.log(p[1:] / p[0]))
        return np.array(z)


def _flatten_case(game, case) -> tuple:
    """Accept a case given per agent (as in ``StageSolution.case``) or flat."""
    case = tuple(case)
    if len(case) == game.n_agents and all(
            isinstance(c, tuple) and all(isinstance(s, tuple) for s in c) for c in case):
        case = tuple(s for per_agent in case for s in per_agent)
    return tuple(tuple(int(a) for a in s) for s in case)


def stage_equilibria(game, belief, V: ValueLike = None, *, delta: Optional[float] = None,
                     first_only: bool = False, order: Optional[Sequence] = None,
                     reference=None, max_unknowns: Optional[int] = None, tol: float = 1e-9,
                     n_starts: int = 4, seed: int = 0, check_e1: bool = True,
                     backend: str = "numba", method: str = "auto") -> StageEquilibria:
    """Every solution found of the stage fixed point (6.4)/(6.17a) at the belief ``belief``.

    Solves, for all agents i and types x^i,
    ``γ̃^i(·|x^i) ∈ argmax_{γ^i(·|x^i)} E[R^i(X, A) + δ V^i(F(π, γ̃, A), X^i') | π, x^i]``
    by enumerating the supports of every agent-type (Theorem 6.1's case analysis).

    Parameters
    ----------
    game : DynamicGame
    belief : sequence
        π = (π^1, ..., π^N), one probability vector per agent; for binary types a scalar is
        read as the probability of the first type (π_i = π^i(x^H) in the public-goods game).
    V : None, ContinuationValue or callable, optional
        Continuation values V^i(π', x') (None: no continuation, the one-shot game).
        A callable ``V(belief) -> per-agent arrays over types`` is evaluated by the numpy path.
    delta : float, optional
        Discount of the continuation; default ``game.delta``.
    first_only : bool
        Stop at the first solution in case order.
    order : sequence of cases, optional
        Cases to try first (e.g. the previous sweep's case); then the rest, fewest interior
        unknowns first.
    reference : sequence of ``(M_i, K_i)`` arrays, optional
        Prefer the solution nearest (L1) this strategy: its case is tried first, it seeds the
        multi-start solver, and the solutions are sorted by distance to it.
    max_unknowns : int, optional
        Skip cases with more interior unknowns (the result then says ``complete=False``).
    tol : float
        Acceptance: largest best-response gain of a solution (absolute, in reward units).
    n_starts : int
        Starts per case with several unknowns.
    seed : int
        Seed of the random starts (results are deterministic).
    check_e1 : bool
        Also test Assumption (E1) of Theorem 6.1 at this belief (see :func:`check_e1`).
    backend : ``"numba"`` or ``"numpy"``
    method : ``"auto"`` (default), ``"case-enumeration"`` or ``"support-enumeration"``
        ``"case-enumeration"``: the Kakutani case enumeration above, for every game.
        ``"support-enumeration"``: the bimatrix fast path
        (``spbe.stage.bimatrix.bimatrix_equilibria``), compiled support enumeration over
        equal-size supports; only for two agents with one type each and no continuation (V
        None or δ = 0), and without ``first_only``, ``order``, ``reference`` or
        ``max_unknowns`` (ValueError otherwise). It is complete for nondegenerate games; on a
        game showing signs of degeneracy its result says ``complete=False``.
        ``"auto"``: support enumeration where it applies and the game shows no sign of
        degeneracy, the case enumeration otherwise (``parameters["fallback"]`` says why).

    Returns
    -------
    StageEquilibria
        ``method`` says which enumeration produced the solutions.

    Examples
    --------
    >>> import spbe
    >>> g = spbe.examples.public_goods(delta=0.0)
    >>> res = spbe.stage_equilibria(g, (0.1, 0.15))        # both agents likely type L
    >>> len(res), res.success                              # (1,0), (0,1) and the mixed one
    (3, True)
    """
    t0 = time.perf_counter()
    pb = game.padded_belief(belief)
    delta = game.delta if delta is None else check_discount(delta, "delta")
    if not (0.0 <= delta < 1.0):
        raise GameValidationError(f"delta: the discount factor must lie in [0, 1), got {delta!r}")
    check_real(tol, "tol", 0, None, min_open=True)
    n_starts = check_int(n_starts, "n_starts", minimum=1)
    max_unknowns = check_int(max_unknowns, "max_unknowns", minimum=0, allow_none=True)
    seed = check_int(seed, "seed", minimum=0, allow_none=True)
    if method not in METHODS:
        raise ValueError(f"method: must be one of {METHODS}, got {method!r}")
    fallback = None
    if method != "case-enumeration":
        why_not = _not_bimatrix(game, V, delta, first_only=first_only, order=order,
                                reference=reference, max_unknowns=max_unknowns)
        if why_not and method == "support-enumeration":
            raise ValueError(f"method: 'support-enumeration' needs a two-agent game with one type "
                             f"per agent, no continuation (V None or delta 0) and none of "
                             f"first_only/order/reference/max_unknowns; here {why_not}")
        if not why_not:
            _check_value(V, game)        # the same errors as the case enumeration would raise
            from .bimatrix import _enumerate
            A, B = game.rewards[0, 0, 0], game.rewards[1, 0, 0]
            fast = _enumerate(A, B, float(tol), check_backend(backend))
            if method == "support-enumeration" or not fast.degenerate:
                return _support_enumeration_result(game, pb, delta, A, B, fast, t0, method,
                                                   check_e1, V, backend)
            fallback = (f"support enumeration saw signs of degeneracy ({fast.n_singular} "
                        f"singular systems, {fast.n_ties} ties, {fast.n_zero_weights} zero "
                        f"weights), so the case enumeration was used")
    # the size guard before the enumeration (3^24 cases for 6 agents x 4 types)
    check_cases(game.n_types, game.n_actions, max_unknowns, "game")
    evaluator = StageEvaluator(game, pb, V, delta, backend=backend)
    ref = None if reference is None else game.padded_strategy(reference)

    first = [] if order is None else [_flatten_case(game, c) for c in order]
    if ref is not None:
        first.insert(0, case_of_strategy(game, [ref[i, :m, :k] for i, (m, k) in
                                               enumerate(zip(game.n_types, game.n_actions))],
                                         threshold=1e-12))
    rng = np.random.default_rng(seed)
    solutions: list[StageSolution] = []
    gammas: list[np.ndarray] = []
    tried = 0
    stopped_early = False
    for case in iter_cases(game, first=first, max_unknowns=max_unknowns):
        tried += 1
        problem = _CaseProblem(game, case, evaluator, pb)
        for gamma, degenerate in _solve_case(problem, ref, tol, n_starts, rng):
            U = evaluator(gamma, problem.offpath)
            res = regret(game, U, gamma)
            if res > tol:
                continue
            if any(np.max(np.abs(gamma - g)) <= 1e-10 for g in gammas):
                continue                 # same profile reached from a simpler case
            gammas.append(gamma)
            solutions.append(_make_solution(game, case, gamma, U, res, degenerate))
        if first_only and solutions:
            stopped_early = True
            break
    if ref is not None:
        dist = [sum(np.abs(s.strategy[i] - ref[i, :m, :k]).sum() for i, (m, k) in
                    enumerate(zip(game.n_types, game.n_actions))) for s in solutions]
        solutions = [solutions[k] for k in np.argsort(dist, kind="stable")]

    n_cases = count_cases(game)
    complete = not stopped_early and tried == n_cases
    if solutions:
        message = f"{len(solutions)} solution(s) with best-response gain <= {tol:g}"
    else:
        message = ("no solution found" + ("" if complete else " among the cases tried") +
                   "; the stage problem may have no exact solution at this belief (see e1)")
    if fallback:
        message += " (case enumeration: support enumeration saw signs of degeneracy)"
    e1 = None
    if check_e1:
        from .existence import check_e1 as _check_e1
        e1 = _check_e1(game, pb, V, delta=delta, backend=backend,
                       extra_points=gammas, evaluator=evaluator)
    return StageEquilibria(
        solutions=tuple(solutions),
        belief=tuple(pb[i, :m].copy() for i, m in enumerate(game.n_types)),
        delta=delta, success=bool(solutions), complete=complete, message=message,
        n_cases=n_cases, n_cases_tried=tried, n_evaluations=evaluator.n_evaluations,
        elapsed=time.perf_counter() - t0,
        method="case-enumeration",
        parameters=dict(tol=tol, first_only=first_only, max_unknowns=max_unknowns,
                        n_starts=n_starts, seed=seed, backend=evaluator.backend,
                        reference=ref is not None, offpath_rule="thesis (6.7)",
                        method="case-enumeration", method_requested=method,
                        **({} if fallback is None else dict(fallback=fallback))),
        e1=e1)


def _not_bimatrix(game, V, delta, *, first_only, order, reference, max_unknowns) -> str:
    """Why the support-enumeration fast path does not apply ('' when it does)."""
    if game.n_agents != 2:
        return f"the game has {game.n_agents} agents"
    if game.n_types != (1, 1):
        return f"the agents have {game.n_types} types"
    if V is not None and delta != 0.0:
        return f"there is a continuation value with delta = {delta}"
    given = [name for name, present in (("first_only", bool(first_only)),
                                        ("order", order is not None),
                                        ("reference", reference is not None),
                                        ("max_unknowns", max_unknowns is not None)) if present]
    if given:
        return f"{', '.join(given)} given (options of the case enumeration)"
    return ""


def _support_enumeration_result(game, pb, delta, A, B, fast, t0, requested, check_e1, V,
                                backend) -> StageEquilibria:
    """Wrap a :class:`~spbe.stage.bimatrix.BimatrixEquilibria` as the solver's result record."""
    solutions = []
    if fast.equilibria:
        X = np.array([x for x, _ in fast.equilibria])
        Y = np.array([y for _, y in fast.equilibria])
        U1, U2 = Y @ A.T, X @ B              # action values U^1(a), U^2(b) of (6.4) at δ = 0
        V1, V2 = (X * U1).sum(axis=1), (Y * U2).sum(axis=1)
        gains = np.maximum(U1.max(axis=1) - V1, U2.max(axis=1) - V2)
        for e in range(len(X)):
            flat = (tuple(np.flatnonzero(X[e] > 0).tolist()),
                    tuple(np.flatnonzero(Y[e] > 0).tolist()))
            solutions.append(StageSolution(
                strategy=(X[e:e + 1].copy(), Y[e:e + 1].copy()), case=((flat[0],), (flat[1],)),
                label=case_label(game, flat), residual=max(0.0, float(gains[e])),
                values=(V1[e:e + 1].copy(), V2[e:e + 1].copy()),
                action_values=(U1[e:e + 1].copy(), U2[e:e + 1].copy()),
                n_unknowns=len(flat[0]) + len(flat[1]) - 2, degenerate=False))
    if fast.degenerate:
        message = (f"{len(solutions)} equilibria by support enumeration; the game shows signs of "
                   f"degeneracy ({fast.n_singular} singular systems, {fast.n_ties} ties, "
                   f"{fast.n_zero_weights} zero weights): equilibria with unequal supports or "
                   f"continua may be missing (method='case-enumeration' lists them)")
    elif solutions:
        message = (f"{len(solutions)} solution(s) by support enumeration (nondegenerate game: "
                   f"all equilibria)")
    else:                                    # cannot happen for a nondegenerate game (Nash)
        message = "no solution found by support enumeration"
    e1 = None
    if check_e1:
        from .existence import check_e1 as _check_e1
        e1 = _check_e1(game, pb, V, delta=delta, backend=backend)
    return StageEquilibria(
        solutions=tuple(solutions), belief=tuple(pb[i, :1].copy() for i in range(2)),
        delta=delta, success=bool(solutions), complete=not fast.degenerate, message=message,
        n_cases=fast.n_pairs, n_cases_tried=fast.n_pairs, n_evaluations=fast.n_solves,
        elapsed=time.perf_counter() - t0, method="support-enumeration",
        parameters=dict(tol=fast.tol, first_only=False, max_unknowns=None, reference=False,
                        backend=fast.backend, method="support-enumeration",
                        method_requested=requested, degenerate=fast.degenerate,
                        n_singular=fast.n_singular, n_ties=fast.n_ties,
                        n_zero_weights=fast.n_zero_weights),
        e1=e1)


def _make_solution(game, case, gamma, U, res, degenerate) -> StageSolution:
    strategy, values, avals = [], [], []
    for i, (m, k) in enumerate(zip(game.n_types, game.n_actions)):
        g = gamma[i, :m, :k].copy()
        u = U[i, :m, :k].copy()
        strategy.append(g)
        avals.append(u)
        values.append((g * u).sum(axis=1))
    return StageSolution(strategy=tuple(strategy), case=nest_case(game, case),
                         label=case_label(game, case), residual=res, values=tuple(values),
                         action_values=tuple(avals), n_unknowns=n_unknowns(case),
                         degenerate=degenerate)


def _solve_case(problem: _CaseProblem, ref, tol: float, n_starts: int, rng):
    """Yield candidate (gamma, degenerate) pairs of one case; verification is the caller's."""
    if problem.n == 0:
        yield problem.gamma(np.zeros(0)), False
        return
    if problem.n == 1:
        yield from _solve_one_unknown(problem, tol)
        return
    from scipy.optimize import root      # imported here: scipy.optimize costs 0.6 s at import
    starts = [np.zeros(problem.n)]
    if ref is not None:
        starts.append(problem.logits_of(ref))
    while len(starts) < n_starts:
        starts.append(rng.normal(0.0, 2.0, problem.n))
    found = []
    for z0 in starts:
        try:
            sol = root(problem, z0, method="hybr", options=dict(xtol=1e-13, maxfev=100 * (problem.n + 1)))
        except (ValueError, FloatingPointError):
            continue
        if not np.all(np.isfinite(sol.x)) or np.max(np.abs(problem(sol.x))) > tol:
            continue
        gamma = problem.gamma(sol.x)
        if any(np.max(np.abs(gamma - g)) <= 1e-8 for g in found):
            continue
        found.append(gamma)
        yield gamma, False


def _solve_one_unknown(problem: _CaseProblem, tol: float):
    from scipy.optimize import brentq
    f = np.array([problem(np.array([z]))[0] for z in _Z_SCAN])
    if np.all(np.abs(f) <= tol):
        # the indifference holds on the whole interval: a continuum; return its midpoint
        yield problem.gamma(np.zeros(1)), True
        return
    roots = [z for z, v in zip(_Z_SCAN, f) if v == 0.0]
    for k in range(len(_Z_SCAN) - 1):
        if f[k] * f[k + 1] < 0:
            try:
                z = brentq(lambda s: problem(np.array([s]))[0], _Z_SCAN[k], _Z_SCAN[k + 1],
                           xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=200)
            except (ValueError, RuntimeError):
                continue
            roots.append(z)
    for z in sorted(roots):
        yield problem.gamma(np.array([z])), False
