"""Numba kernels: the stage fixed point at grid nodes, case enumeration in compiled code.

The same algorithm as :mod:`spbe.stage.solver` (which stays the readable reference and
the tool that lists *all* solutions at one belief), compiled so that a whole belief grid can be
solved per sweep of the backward recursion or the infinite-horizon iteration:

* cases come pre-sorted from Python as an ``(n_cases, T)`` array of support bitmasks, one per
  agent-type (T = Σ M_i), with their agent and type in ``at_agent`` / ``at_type``;
* one interior unknown: scan of a logit grid log-spaced near both ends, then false position
  (Illinois) on every sign change;
* several unknowns: Levenberg-Marquardt in logit coordinates from several starts (uniform, the
  reference strategy, pseudo-random points from a fixed hash, so results are reproducible and
  independent of thread scheduling);
* every candidate is verified by its best-response gain.

Tremble mode (``eta > 0``, notes §2.4 item 4): agent-types play γ_eff = (1 - K η) γ + η/… every
action with probability ≥ η, so no action is off-path, the Bayes update is continuous, and a
solution of the perturbed problem exists by Kakutani. The *intended* γ is solved for; γ_eff is
what is reported and what beliefs are updated with.

Context tuple ``ctx`` (built by :func:`spbe.stage.node_solver.kernel_context`)::

    0 rewards (N, X, A)   1 kernels (N, Mx, A, Mx)   2 static (N,)   3 n_types (N,)
    4 n_actions (N,)      5 type_profiles (X, N)     6 action_profiles (A, N)   7 delta
    8 values (nodes, N*Mx)  9 has_values  10-14 grid arrays (n_types, resolution, rank_table,
    rank_offset, node_stride)
"""
import numpy as np
from numba import njit

from .stage import action_values

_P_LOW = np.logspace(-15, -1, 15)
Z_SCAN = np.concatenate((np.log(_P_LOW / (1 - _P_LOW)), np.linspace(-2.0, 2.0, 13)[1:-1],
                         -np.log(_P_LOW / (1 - _P_LOW))[::-1]))
Z_MAX = 40.0
# Compile time: numba compiles a kernel once per type signature of its arguments, and an integer
# or boolean constant written at a call site is typed as its literal value (Literal[int](60)),
# which makes a separate compilation of the callee and of everything it calls. Constants passed
# to kernels are therefore wrapped (np.int64(60), np.bool_(True)): one signature per kernel.
# Second, numba compiles each jitted function into its own library and links the libraries of
# all its callees into it, where the whole module is optimised and turned into machine code
# again: a call chain of depth d is compiled d times over. The helpers called from exactly one
# place (solve_node, _track_case, _polish_case, _local_scan, _ring_order, _lattice_gains,
# _respects_labels, and _global_scan, called by the two entry points) are therefore inlined into
# their caller's IR (``inline="always"``), which removes their level of the chain without
# copying code: the first solve's compilation takes about a quarter less CPU time. Helpers called
# from several places stay separate functions: inlining them copies them into every call site,
# which costs more than it saves (design records, "Tried and not kept").
# Levenberg-Marquardt starts of the exhaustive pass per node, over all its cases: the 2-agent,
# 2-type games need 513 (every corner of every case); with 3 agents there are 10^5 and a flagged
# node cost about a minute, so the pass is bounded (the corners of the first cases in case order)
CORNER_STARTS = 729

# cases a "continue-first" node tries in all (its previous case, then the nearest ones): every case
# of the 2-agent, 2-type (81) and 3-agent, 2-type (729) games; with 3 types and 3 actions
# (117,649 cases) the cases within two changed supports (577) and some at three. A node with no
# solution among them goes on to the fallback passes, whose cost is bounded too.
CONTINUE_FIRST_CASES = 729

# lattice points of the last-resort scan per node, over all its cases (each case gets at most the
# solver's scan_budget): the 2-agent, 2-type games scan 871,553 points where every case is scanned,
# so they are unchanged; with 3 agents the cases hold about 3 * 10^7 points (tens of seconds per
# flagged node): the cases with the most unknowns are scanned first, while the points last
SCAN_POINTS = 1_000_000
# lattice points of smallest gain that each scan (global or local) polishes
SCAN_KEEP = 4

# the local scan that precedes the global one at a node with a reference (last sweep's strategy):
# a lattice of at most this many points, ±LOCAL_SCAN_WIDTH around the reference's logits in the
# reference's case. Where it brings the gain to scan_threshold or below, the global scan (about
# 3.5 s per node in the 2 x 2 games) is skipped: the flagged nodes of the 101 x 101 public-goods
# solve at δ = 0.95 have their near-solutions in the case they had the sweep before.
LOCAL_SCAN_POINTS = 10_000
LOCAL_SCAN_WIDTH = 3.0
# ... only in cases with at most this many unknowns (10 or more lattice points per axis): with
# more the lattice is little more than the box's corners, and the compass search after it costs
# thousands of evaluations per point (the 2-agent, 3-type game has cases with up to 12 unknowns;
# its 300 s benchmark did 6 sweeps in 389 s with the local scan in every case and the exhaustive
# pass in ring order, 317 s with this cap and case order, as without the local scan)
LOCAL_SCAN_MAX_UNKNOWNS = 4

# hysteresis at a node flagged last sweep (no exact solution, a near-solution of gain g_prev):
# where the local scan finds a near-solution in the reference's case whose gain is at most
# min(HOLD_FACTOR * g_prev, HOLD_SCAN_MULTIPLE * scan_threshold), it is kept and the global scan
# skipped, even where another case holds one of slightly smaller gain. Without it, at 101 x 101
# (δ = 0.95) two mirror nodes took the smallest-gain candidate among three near-solutions of gain
# 2.5e-6 in different cases, flipped between them every sweep (the strategy moving by 1.0) and
# paid a global scan (about 4 s) each time: the iteration did not settle in 101 sweeps.
HOLD_FACTOR = 2.0
HOLD_SCAN_MULTIPLE = 10.0

# status codes of solve_node
EXACT = 0          # a verified solution
APPROXIMATE = 1    # no solution: the candidate with the smallest best-response gain
# search code of a node whose global scan was deferred (solve_node's defer_scan)
SCAN_PENDING = 3


@njit(cache=True)
def evaluate(ctx, belief, gamma, offpath, out):
    action_values(belief, gamma, offpath, ctx[0], ctx[1], ctx[2], ctx[3], ctx[4], ctx[5], ctx[6],
                  ctx[7], ctx[8], ctx[9], ctx[10], ctx[11], ctx[12], ctx[13], ctx[14], out)


@njit(cache=True)
def _hash_normal(a, b, c):
    """A reproducible standard-normal-ish number from three integers (Box-Muller on a hash)."""
    h = (a * 73856093) ^ (b * 19349663) ^ (c * 83492791) ^ 0x5bd1e995
    h = (h ^ (h >> 13)) * 1274126177
    h = h ^ (h >> 16)
    u1 = ((h & 0xFFFFFF) + 0.5) / 16777216.0
    h2 = (h * 2654435761 + 12345) & 0xFFFFFFFF
    u2 = ((h2 & 0xFFFFFF) + 0.5) / 16777216.0
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def case_unknowns(case_row, at_agent, n_actions):
    n = 0
    for t in range(case_row.shape[0]):
        m = case_row[t]
        s = 0
        for a in range(n_actions[at_agent[t]]):
            if (m >> a) & 1:
                s += 1
        n += s - 1
    return n


@njit(cache=True)
def build_gamma(z, case_row, at_agent, at_type, n_actions, eta, gamma, gamma_eff):
    """Intended γ of a case from logits z (first action of each support has logit 0), and γ_eff."""
    gamma[:] = 0.0
    pos = 0
    for t in range(case_row.shape[0]):
        i = at_agent[t]
        x = at_type[t]
        mask = case_row[t]
        k = n_actions[i]
        first = True
        top = 0.0
        # max logit for stability
        p = pos
        for a in range(k):
            if (mask >> a) & 1:
                if first:
                    first = False
                    top = 0.0
                else:
                    if z[p] > top:
                        top = z[p]
                    p += 1
        total = 0.0
        first = True
        for a in range(k):
            if (mask >> a) & 1:
                if first:
                    w = np.exp(-top)
                    first = False
                else:
                    w = np.exp(z[pos] - top)
                    pos += 1
                gamma[i, x, a] = w
                total += w
        for a in range(k):
            gamma[i, x, a] /= total
    if eta > 0.0:
        for i in range(gamma.shape[0]):
            k = n_actions[i]
            for x in range(gamma.shape[1]):
                row = 0.0
                for a in range(k):
                    row += gamma[i, x, a]
                # a padded type (an agent with fewer types than the largest) gets no tremble:
                # its row stays zero, as saved results and their checks require
                tremble = eta if row > 0.0 else 0.0
                for a in range(k):
                    gamma_eff[i, x, a] = (1.0 - k * tremble) * gamma[i, x, a] + tremble
                for a in range(k, gamma.shape[2]):
                    gamma_eff[i, x, a] = 0.0
    else:
        gamma_eff[:] = gamma


@njit(cache=True)
def case_offpath(case_row, at_agent, at_type, belief, n_agents, k_max, eta, offpath):
    """Action a^j is off-path when no type in supp π^j has it in its support (never with trembles)."""
    offpath[:] = False
    if eta > 0.0:
        return
    for j in range(n_agents):
        for a in range(k_max):
            played = False
            for t in range(case_row.shape[0]):
                if at_agent[t] == j and belief[j, at_type[t]] > 0.0 and (case_row[t] >> a) & 1:
                    played = True
                    break
            offpath[j, a] = not played


@njit(cache=True)
def regret(U, gamma, n_types, n_actions):
    worst = 0.0
    for i in range(n_types.shape[0]):
        for x in range(n_types[i]):
            best = -np.inf
            mean = 0.0
            for a in range(n_actions[i]):
                if U[i, x, a] > best:
                    best = U[i, x, a]
                mean += gamma[i, x, a] * U[i, x, a]
            if best - mean > worst:
                worst = best - mean
    return worst


@njit(cache=True)
def _indifference(ctx, belief, z, case_row, at_agent, at_type, eta, gamma, gamma_eff, offpath, U, f):
    n_actions = ctx[4]
    build_gamma(z, case_row, at_agent, at_type, n_actions, eta, gamma, gamma_eff)
    evaluate(ctx, belief, gamma_eff, offpath, U)
    pos = 0
    for t in range(case_row.shape[0]):
        i = at_agent[t]
        x = at_type[t]
        mask = case_row[t]
        base = -1
        for a in range(n_actions[i]):
            if (mask >> a) & 1:
                if base < 0:
                    base = a
                else:
                    f[pos] = U[i, x, a] - U[i, x, base]
                    pos += 1


@njit(cache=True)
def _false_position(ctx, belief, z, f, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath,
                    U, a, fa, b, fb):
    """Root of a one-unknown case's indifference equation in the bracket [a, b] (fa·fb < 0) by
    false position with the Illinois modification; returns the last iterate (z[0] is used as
    work space)."""
    side = 0
    c = a
    for _ in range(200):
        c = (a * fb - b * fa) / (fb - fa)
        if not (c > min(a, b) and c < max(a, b)):
            c = 0.5 * (a + b)
        z[0] = c
        _indifference(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U, f)
        fc = f[0]
        if fc == 0.0 or abs(b - a) < 1e-13:
            break
        if fc * fb < 0.0:
            a, fa = b, fb
            b, fb = c, fc
            side = 0
        else:
            b, fb = c, fc
            if side == 1:
                fa *= 0.5
            side = 1
    return c


@njit(cache=True)
def _l1(gamma, ref, n_types, n_actions):
    d = 0.0
    for i in range(n_types.shape[0]):
        for x in range(n_types[i]):
            for a in range(n_actions[i]):
                d += abs(gamma[i, x, a] - ref[i, x, a])
    return d


@njit(cache=True)
def _ref_logits(ref, case_row, at_agent, at_type, n_actions, z):
    pos = 0
    for t in range(case_row.shape[0]):
        i = at_agent[t]
        x = at_type[t]
        mask = case_row[t]
        base = -1.0
        for a in range(n_actions[i]):
            if (mask >> a) & 1:
                p = max(ref[i, x, a], 1e-12)
                if base < 0:
                    base = p
                else:
                    v = np.log(p / base)
                    z[pos] = min(max(v, -Z_MAX), Z_MAX)
                    pos += 1


@njit(cache=True)
def _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma, work_eff,
            cand_gamma, cand_eff, cand_res, count, accept):
    """Evaluate the case's strategy at logits z; store it as a verified candidate (if ``accept``
    and its best-response gain is ≤ tol) or else as the fallback if it beats the current one.
    Returns the new candidate count."""
    n_types = ctx[3]
    n_actions = ctx[4]
    fallback_slot = cand_gamma.shape[0] - 1
    build_gamma(z, case_row, at_agent, at_type, n_actions, eta, work_gamma, work_eff)
    evaluate(ctx, belief, work_eff, offpath, U)
    r = regret(U, work_gamma, n_types, n_actions)
    if accept and r <= tol and count < fallback_slot:
        cand_gamma[count] = work_gamma
        cand_eff[count] = work_eff
        cand_res[count] = r
        return count + 1
    if r < cand_res[fallback_slot]:
        cand_gamma[fallback_slot] = work_gamma
        cand_eff[fallback_slot] = work_eff
        cand_res[fallback_slot] = r
    return count


@njit(cache=True)
def _levenberg_marquardt(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma, work_eff,
                         offpath, U, f, max_iter, scaled):
    """Solve the case's indifference equations f(z) = 0 in logit coordinates from ``z`` (in
    place) by Levenberg-Marquardt with a forward-difference Jacobian. Returns True when
    max |f| ≤ tol / 10.

    Damping of the normal equations: λ(1 + (JᵀJ)_rr) (``scaled`` False), or Marquardt's
    λ(JᵀJ)_rr (``scaled`` True), which is invariant to the scale of f. In a tremble's boundary
    layer f and J are of size η (1e-7), the first form is then a plain gradient step of length
    ~λ⁻¹|Jᵀf| that stalls, the second is not (measured on the 3-agent threshold game, 6^3 grid,
    δ = 0: the canonical nodes without a symmetric solution went from 2 to 0). The fallback passes
    use the scaled form; the main path keeps the first, whose iterates the value iteration of
    the public-goods game was tuned against. Neither dominates: the scaled form everywhere left
    the 51 x 51 δ = 0.95 public-goods solve unconverged after 32 sweeps at the finest level, and
    in the exhaustive pass alone it found fewer solutions there (14 nodes flagged in the first
    sweep at 26 x 26 against 2). So the fallback passes try the scaled form as a second attempt
    where the first did not converge."""
    n = z.shape[0]
    J = np.empty((n, n))
    f1 = np.empty(n)
    z1 = np.empty(n)
    trial = np.empty(n)
    ftrial = np.empty(n)
    A = np.empty((n, n))
    g = np.empty(n)
    lam = 1e-3
    _indifference(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U, f)
    norm = 0.0
    for k in range(n):
        norm += f[k] * f[k]
    for it in range(max_iter):
        fmax = 0.0
        for k in range(n):
            fmax = max(fmax, abs(f[k]))
        if fmax <= 0.1 * tol:
            return True
        for c in range(n):
            z1[:] = z
            h = 1e-7 * max(1.0, abs(z[c]))
            z1[c] += h
            _indifference(ctx, belief, z1, case_row, at_agent, at_type, eta, work_gamma, work_eff,
                          offpath, U, f1)
            for r in range(n):
                J[r, c] = (f1[r] - f[r]) / h
        improved = False
        for _ in range(12):
            for r in range(n):
                for c in range(n):
                    s = 0.0
                    for k in range(n):
                        s += J[k, r] * J[k, c]
                    A[r, c] = s
                if scaled:
                    A[r, r] += lam * max(A[r, r], 1e-300)
                else:
                    A[r, r] += lam * (1.0 + A[r, r])
                s = 0.0
                for k in range(n):
                    s += J[k, r] * f[k]
                g[r] = -s
            step = np.linalg.solve(A, g)
            for k in range(n):
                trial[k] = min(max(z[k] + step[k], -Z_MAX), Z_MAX)
            _indifference(ctx, belief, trial, case_row, at_agent, at_type, eta, work_gamma, work_eff,
                          offpath, U, ftrial)
            tnorm = 0.0
            for k in range(n):
                tnorm += ftrial[k] * ftrial[k]
            if tnorm < norm:
                z[:] = trial
                f[:] = ftrial
                norm = tnorm
                lam = max(lam * 0.3, 1e-12)
                improved = True
                break
            lam *= 10.0
        if not improved:
            break
    fmax = 0.0
    for k in range(n):
        fmax = max(fmax, abs(f[k]))
    return fmax <= 0.1 * tol


@njit(cache=True)
def _solve_from(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma, work_eff, offpath, U, f,
                max_iter, retry):
    """:func:`_levenberg_marquardt` from ``z`` (in place) with the damping λ(1 + (JᵀJ)_rr); where it
    does not converge and ``retry``, again from the same start with Marquardt's scale-invariant
    λ(JᵀJ)_rr. In the tremble's boundary layer the equations and their Jacobian are of size η and
    the first form's steps stall; used alone, the second found fewer solutions (measured on the public-goods solves).
    Returns whether it converged."""
    z_start = z.copy()
    solved = _levenberg_marquardt(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma, work_eff,
                                  offpath, U, f, max_iter, np.bool_(False))
    if not solved and retry:
        z[:] = z_start
        solved = _levenberg_marquardt(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma,
                                      work_eff, offpath, U, f, max_iter, np.bool_(True))
    return solved


@njit(cache=True)
def _solve_case(ctx, belief, case_row, at_agent, at_type, eta, tol, ref, has_ref, n_starts, seed,
                max_roots, cand_gamma, cand_eff, cand_res, cand_count_start, work_gamma, work_eff,
                offpath, U, corner_scale):
    """Solve one case; verified candidates are appended to cand_* (returns new count).

    Also returns the smallest best-response gain met among unverified candidates (for the
    approximate fallback), with that candidate stored at index ``cand_gamma.shape[0] - 1``.
    """
    n_types = ctx[3]
    n_actions = ctx[4]
    n = case_unknowns(case_row, at_agent, n_actions)
    count = cand_count_start
    case_offpath(case_row, at_agent, at_type, belief, n_types.shape[0], work_gamma.shape[2], eta, offpath)
    z = np.zeros(max(n, 1))
    f = np.zeros(max(n, 1))
    if n == 0:
        return _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                       work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
    if n == 1:
        ns = Z_SCAN.shape[0]
        fs = np.empty(ns)
        allzero = True
        for s in range(ns):
            z[0] = Z_SCAN[s]
            _indifference(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U, f)
            fs[s] = f[0]
            if abs(f[0]) > tol:
                allzero = False
        roots = np.empty(ns)
        nroots = 0
        if allzero:
            roots[0] = 0.0
            nroots = 1
        else:
            for s in range(ns):
                if fs[s] == 0.0 and nroots < max_roots:
                    roots[nroots] = Z_SCAN[s]
                    nroots += 1
            for s in range(ns - 1):
                if fs[s] * fs[s + 1] < 0.0 and nroots < max_roots:
                    roots[nroots] = _false_position(ctx, belief, z, f, case_row, at_agent, at_type, eta,
                                                    work_gamma, work_eff, offpath, U, Z_SCAN[s], fs[s],
                                                    Z_SCAN[s + 1], fs[s + 1])
                    nroots += 1
        for r_i in range(nroots):
            z[0] = roots[r_i]
            count = _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                            work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
        return count
    # several unknowns: Levenberg-Marquardt in logit coordinates
    # corner_scale > 0: the exhaustive pass, started from every point of {-L, 0, L}^n, which
    # reaches solutions with several unknowns in boundary layers at once (notes §2.4 item 4)
    # (in the exhaustive pass n_starts caps the corners: the node's remaining budget)
    total = n_starts if corner_scale <= 0.0 else min(3 ** min(n, 12), n_starts)
    for start in range(total):
        if corner_scale > 0.0:
            code = start
            for k in range(n):
                z[k] = ((code % 3) - 1) * corner_scale
                code //= 3
        elif start == 0:
            z[:] = 0.0
        elif start == 1 and has_ref:
            _ref_logits(ref, case_row, at_agent, at_type, n_actions, z)
        else:
            for k in range(n):
                z[k] = 2.0 * _hash_normal(seed, start, k)
        # the exhaustive pass retries from the same corner with the scale-invariant damping
        converged = _solve_from(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma, work_eff,
                                offpath, U, f, np.int64(80), corner_scale > 0.0)
        before = count
        # only converged end points are candidates: accepting unconverged ones whose gain passes
        # (logits pushed to the clamp) was tried and made the 11 x 11, δ = 0.95 public-goods solve
        # cycle instead of converging (579 sweeps against 100)
        count = _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                        work_eff, cand_gamma, cand_eff, cand_res, count, converged)
        if count > before:
            # several starts may converge to the same root: keep it once
            for c in range(cand_count_start, before):
                dmax = 0.0
                for i in range(work_gamma.shape[0]):
                    for x in range(work_gamma.shape[1]):
                        for a in range(work_gamma.shape[2]):
                            dmax = max(dmax, abs(cand_gamma[before, i, x, a] - cand_gamma[c, i, x, a]))
                if dmax <= 1e-8:
                    count = before
                    break
    return count


@njit(inline="always")
def _track_case(ctx, belief, case_row, at_agent, at_type, eta, tol, ref, cand_gamma, cand_eff,
                cand_res, count, work_gamma, work_eff, offpath, U):
    """Continuation step of one case: a single local solve started at the reference strategy
    (the previous sweep's solution), for the "continue" selections.

    Between sweeps V moves a little, so the root of the case's indifference equations moves a
    little from where it was: one unknown is bracketed by stepping outwards from the reference
    logit (steps 0.05·2^k, nearer side first) and refined by false position; several unknowns
    get Levenberg-Marquardt from the reference logits alone (and, if that fails, once more with
    the scale-invariant damping: 3-agent δ = 0.5 sweeps on 11³ went from 16-21 s to 3.3 s). This costs a few dozen evaluations,
    where the full case solve (the 41-point logit scan, or ``n_starts`` Levenberg-Marquardt
    starts) costs hundreds. Measured on the converged 51 x 51 public-goods solution at δ = 0.95,
    one node at a time: median 420 µs per node without this step, 14 µs with it (2.2 ms and
    about 50 µs at the nodes where both L types mix). Returns the new candidate count (a
    verified root appended)."""
    n_actions = ctx[4]
    n = case_unknowns(case_row, at_agent, n_actions)
    case_offpath(case_row, at_agent, at_type, belief, ctx[3].shape[0], work_gamma.shape[2], eta, offpath)
    z = np.zeros(max(n, 1))
    f = np.zeros(max(n, 1))
    if n == 0:
        return _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                       work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
    _ref_logits(ref, case_row, at_agent, at_type, n_actions, z)
    if n >= 2:
        # the retry: the reference in a boundary layer (3-agent games)
        solved = _solve_from(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma, work_eff,
                             offpath, U, f, np.int64(80), np.bool_(True))
        if solved:
            count = _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U,
                            work_gamma, work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
        return count
    z0 = z[0]
    _indifference(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U, f)
    f0 = f[0]
    if abs(f0) <= 0.1 * tol:
        return _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                       work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
    # bracket: walk out on both sides of z0, keeping the last point of each side
    a, fa = z0, f0
    lo_z, lo_f, hi_z, hi_f = z0, f0, z0, f0
    found = False
    h = 0.05
    while h < 2.0 * Z_MAX and not found:
        for side in (-1.0, 1.0):
            zt = min(max(z0 + side * h, -Z_MAX), Z_MAX)
            z[0] = zt
            _indifference(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff,
                          offpath, U, f)
            prev_z, prev_f = (lo_z, lo_f) if side < 0 else (hi_z, hi_f)
            if f[0] * prev_f <= 0.0:
                a, fa, b, fb = prev_z, prev_f, zt, f[0]
                found = True
                break
            if side < 0:
                lo_z, lo_f = zt, f[0]
            else:
                hi_z, hi_f = zt, f[0]
        h *= 2.0
    if not found:
        return count
    if fb == 0.0:
        z[0] = b
    else:
        z[0] = _false_position(ctx, belief, z, f, case_row, at_agent, at_type, eta, work_gamma, work_eff,
                               offpath, U, a, fa, b, fb)
    return _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                   work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))


@njit(cache=True)
def _regret_at(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U):
    build_gamma(z, case_row, at_agent, at_type, ctx[4], eta, work_gamma, work_eff)
    evaluate(ctx, belief, work_eff, offpath, U)
    return regret(U, work_gamma, ctx[3], ctx[4])


@njit(cache=True)
def _compass_search(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U,
                    best, step, stop_gain, max_evals):
    """Compass search on the best-response gain from logits ``z`` (moved in place; ``best`` is the
    gain there): steps ±``step`` along each axis, halved when none improves, until the step is
    below 1e-4, the gain at most ``stop_gain`` or ``max_evals`` gains were evaluated. Returns the
    gain at the final ``z``."""
    n = z.shape[0]
    trial = np.zeros(n)
    evals = 0
    while step > 1e-4 and best > stop_gain and evals < max_evals:
        moved = False
        for k in range(n):
            for sgn in (-1.0, 1.0):
                trial[:] = z
                trial[k] = min(max(z[k] + sgn * step, -Z_MAX), Z_MAX)
                r = _regret_at(ctx, belief, trial, case_row, at_agent, at_type, eta, work_gamma, work_eff,
                               offpath, U)
                evals += 1
                if r < best:
                    best = r
                    z[:] = trial
                    moved = True
        if not moved:
            step *= 0.5
    return best


@njit(cache=True)
def _lattice_side(n, budget):
    """Points per axis of the scan lattice of a case with ``n`` unknowns: the most (2 to 41)
    whose n-th power stays within ``budget``."""
    npts = 2
    while (npts + 1) ** n <= budget and npts < 41:
        npts += 1
    return npts


@njit(cache=True)
def _lattice_logits(code, npts, center, zlim, z):
    """The logits of lattice point ``code`` (mixed radix ``npts``, first axis fastest) of the
    scan lattice center + [-zlim, zlim]^n, clipped to ±Z_MAX."""
    c = code
    for k in range(z.shape[0]):
        z[k] = min(max(center[k] - zlim + 2.0 * zlim * (c % npts) / (npts - 1), -Z_MAX), Z_MAX)
        c //= npts


@njit(inline="always")
def _lattice_gains(ctx, belief, case_row, at_agent, at_type, eta, center, zlim, npts, work_gamma, work_eff,
                   offpath, U, out):
    """The best-response gain at every point of the scan lattice, in code order (one thread)."""
    z = np.zeros(center.shape[0])
    for code in range(out.shape[0]):
        _lattice_logits(code, npts, center, zlim, z)
        out[code] = _regret_at(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff,
                               offpath, U)


@njit(cache=True, nogil=True)
def lattice_gains_block(ctx, belief, case_row, at_agent, at_type, eta, center, zlim, npts, offpath, like, lo, hi,
                        out):
    """:func:`_lattice_gains` at the points ``lo..hi-1`` (work arrays shaped like ``like``), without
    the GIL: ``NodeSolver`` runs blocks of one lattice on its thread pool for the global scans
    left after the node loop. Each gain depends on its point alone, so ``out`` is the same array
    whatever the blocks, thread count or schedule."""
    wg = np.zeros_like(like)
    we = np.zeros_like(like)
    u = np.zeros_like(like)
    z = np.zeros(center.shape[0])
    for code in range(lo, hi):
        _lattice_logits(code, npts, center, zlim, z)
        out[code] = _regret_at(ctx, belief, z, case_row, at_agent, at_type, eta, wg, we, offpath, u)


@njit(cache=True)
def _scan_case(ctx, belief, case_row, at_agent, at_type, eta, tol, center, zlim, budget, n_keep,
               cand_gamma, cand_eff, cand_res, count, work_gamma, work_eff, offpath, U):
    """Last-resort search of one case: the best-response gain on a lattice of logits in
    center + [-zlim, zlim]^n (at most ``budget`` points; clipped to ±Z_MAX), then a compass
    search on the gain and a Levenberg-Marquardt solve from the ``n_keep`` best lattice points
    (notes §2.4 item 4 (iii); :func:`scan_from_gains`). The global scan is centred at 0, the
    local one (``LOCAL_SCAN_POINTS``) at last sweep's near-solution.

    It reaches solutions with several unknowns in a boundary layer at once, where the belief
    after a rare action is fixed by the ratio of tiny probabilities, that local solvers started
    from interior or corner points miss. Returns the new candidate count (verified candidates
    appended; the best unverified one kept in the fallback slot).
    """
    n_actions = ctx[4]
    n = case_unknowns(case_row, at_agent, n_actions)
    case_offpath(case_row, at_agent, at_type, belief, ctx[3].shape[0], work_gamma.shape[2], eta, offpath)
    npts = _lattice_side(n, budget)
    gains = np.empty(npts ** n)
    _lattice_gains(ctx, belief, case_row, at_agent, at_type, eta, center, zlim, npts, work_gamma, work_eff,
                   offpath, U, gains)
    return scan_from_gains(ctx, belief, case_row, at_agent, at_type, eta, tol, center, zlim, npts, gains, n_keep,
                           cand_gamma, cand_eff, cand_res, count, work_gamma, work_eff, offpath, U)


@njit(cache=True)
def scan_from_gains(ctx, belief, case_row, at_agent, at_type, eta, tol, center, zlim, npts, gains, n_keep,
                    cand_gamma, cand_eff, cand_res, count, work_gamma, work_eff, offpath, U):
    """The second half of :func:`_scan_case`, given the lattice's gains (``offpath`` already set
    for the case): from the ``n_keep`` points of smallest gain, a Levenberg-Marquardt solve and a
    compass search on the gain, each result recorded. Returns the new candidate count."""
    n = center.shape[0]
    total = gains.shape[0]
    # the n_keep smallest gains, as a pass in code order keeps them (a point replaces the first
    # of the largest kept ones only if strictly smaller)
    keep_code = np.zeros(n_keep, dtype=np.int64)
    keep_r = np.full(n_keep, np.inf)
    for code in range(total):
        r = gains[code]
        worst = 0
        for q in range(1, n_keep):
            if keep_r[q] > keep_r[worst]:
                worst = q
        if r < keep_r[worst]:
            keep_r[worst] = r
            keep_code[worst] = code
    z = np.zeros(n)
    f = np.zeros(n)
    for q in range(n_keep):
        if not np.isfinite(keep_r[q]):
            continue
        # an exact root of the indifference equations nearby, if the case has one
        _lattice_logits(keep_code[q], npts, center, zlim, z)
        solved = _solve_from(ctx, belief, z, case_row, at_agent, at_type, eta, tol, work_gamma, work_eff,
                             offpath, U, f, np.int64(60), np.bool_(True))
        if solved:
            count = _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                            work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
        # otherwise the smallest gain: compass search on the best-response gain
        _lattice_logits(keep_code[q], npts, center, zlim, z)
        _compass_search(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U,
                        keep_r[q], zlim / (npts - 1), 0.0, np.int64(1 << 62))
        count = _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma,
                        work_eff, cand_gamma, cand_eff, cand_res, count, np.bool_(True))
    return count


@njit(inline="always")
def _polish_case(ctx, belief, case_row, at_agent, at_type, eta, tol, ref, cand_gamma, cand_eff, cand_res,
                 count, work_gamma, work_eff, offpath, U):
    """Local search of one case from the reference strategy: a compass search on the best-response
    gain in logit coordinates (steps 0.5 down to 1e-4, at most 600 evaluations).

    Used instead of the exhaustive pass and the lattice scan at a node with ``full_search`` False
    (value iteration's ``flagged_refresh`` > 1: the node had the full search within the last few
    sweeps, against a nearby V, so its previous strategy, moved a little, continues it). Returns the new candidate count (a verified point appended; otherwise
    the point is offered as the fallback)."""
    n_actions = ctx[4]
    n = case_unknowns(case_row, at_agent, n_actions)
    case_offpath(case_row, at_agent, at_type, belief, ctx[3].shape[0], work_gamma.shape[2], eta, offpath)
    z = np.zeros(max(n, 1))
    if n > 0:
        _ref_logits(ref, case_row, at_agent, at_type, n_actions, z)
        best = _regret_at(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U)
        _compass_search(ctx, belief, z, case_row, at_agent, at_type, eta, work_gamma, work_eff, offpath, U,
                        best, 0.5, tol, np.int64(600))
    return _record(ctx, belief, z, case_row, at_agent, at_type, eta, tol, offpath, U, work_gamma, work_eff,
                   cand_gamma, cand_eff, cand_res, count, np.bool_(True))


@njit(inline="always")
def _respects_labels(gamma, labels):
    """Agents with equal labels (equal beliefs in a symmetric game) play the same prescription."""
    n = labels.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            if labels[i] == labels[j]:
                for x in range(gamma.shape[1]):
                    for a in range(gamma.shape[2]):
                        if abs(gamma[i, x, a] - gamma[j, x, a]) > 1e-8:
                            return False
    return True


@njit(cache=True)
def _case_fits_labels(case_row, at_agent, at_type, labels):
    """Agents with equal labels have equal supports type by type in this case.

    Only label-symmetric solutions are accepted (:func:`_keep_symmetric`), and equal prescriptions
    have equal supports, so a case failing this can only yield rejected solutions: it is skipped
    (with 3 agents at a node where all hold the same belief, 9 of the 729 cases remain)."""
    T = case_row.shape[0]
    for t1 in range(T):
        for t2 in range(t1 + 1, T):
            if (at_type[t1] == at_type[t2] and at_agent[t1] != at_agent[t2]
                    and labels[at_agent[t1]] == labels[at_agent[t2]] and case_row[t1] != case_row[t2]):
                return False
    return True


@njit(cache=True)
def _keep_symmetric(cand_gamma, cand_eff, cand_res, start, count, labels):
    """Drop candidates in [start, count) that break the label symmetry; returns the new count."""
    k = start
    for c in range(start, count):
        if _respects_labels(cand_gamma[c], labels):
            if k != c:
                cand_gamma[k] = cand_gamma[c]
                cand_eff[k] = cand_eff[c]
                cand_res[k] = cand_res[c]
            k += 1
    return k


@njit(cache=True)
def _close_pass(cand_gamma, cand_eff, cand_res, cand_case, count, labels, case, prev_fallback, fallback_case):
    """Bookkeeping after one fallback pass over ``case`` (the candidate list was empty before it):
    drop label-breaking candidates, tag the rest with ``case``, and make ``case`` the fallback's
    if it lowered the smallest gain. Returns (count, fallback_case)."""
    count = _keep_symmetric(cand_gamma, cand_eff, cand_res, np.int64(0), count, labels)
    if cand_res[cand_res.shape[0] - 1] < prev_fallback:
        fallback_case = case
    for k in range(count):
        cand_case[k] = case
    return count, fallback_case


@njit(inline="always")
def _local_scan(ctx, belief, case_row, first_case, n_first, at_agent, at_type, eta, tol, ref, hold_limit, labels,
                cand_gamma, cand_eff, cand_res, cand_case, count, fallback_case, work_gamma, work_eff, offpath, U):
    """The local scan of the reference's case (``LOCAL_SCAN_POINTS`` points within
    ±``LOCAL_SCAN_WIDTH`` of the reference's logits, then compass search and Levenberg-Marquardt).
    Its best unverified candidate is kept apart from the fallback found before it: where it gains
    at most ``hold_limit`` it is the node's fallback (held), otherwise the smaller of the two.
    Returns (count, fallback_case, held)."""
    cap = cand_res.shape[0]
    center = np.zeros(n_first)
    _ref_logits(ref, case_row, at_agent, at_type, ctx[4], center)
    saved_gamma = cand_gamma[cap - 1].copy()
    saved_eff = cand_eff[cap - 1].copy()
    saved_res = cand_res[cap - 1]
    cand_res[cap - 1] = np.inf
    count = _scan_case(ctx, belief, case_row, at_agent, at_type, eta, tol, center, LOCAL_SCAN_WIDTH,
                       np.int64(LOCAL_SCAN_POINTS), np.int64(SCAN_KEEP), cand_gamma, cand_eff, cand_res, count, work_gamma,
                       work_eff, offpath, U)
    count, new_case = _close_pass(cand_gamma, cand_eff, cand_res, cand_case, count, labels, first_case,
                                  np.inf, fallback_case)
    held = count == 0 and cand_res[cap - 1] <= hold_limit
    if held or cand_res[cap - 1] < saved_res:
        return count, new_case, held
    cand_gamma[cap - 1] = saved_gamma
    cand_eff[cap - 1] = saved_eff
    cand_res[cap - 1] = saved_res
    return count, fallback_case, False


@njit(cache=True)
def _case_distance(row_a, row_b):
    """Agent-types whose supports differ between two cases (the rings of :func:`_ring_order`)."""
    d = 0
    for t in range(row_a.shape[0]):
        if row_a[t] != row_b[t]:
            d += 1
    return d


@njit(inline="always")
def _ring_order(cases, first):
    """Every case but ``first``, by increasing Hamming distance of its supports from ``first``'s
    (one agent-type's support changed, then two, ...), in case order within a distance: a
    solution that leaves its case as V moves usually changes the support of one agent-type
    (a mixing probability reaches 0 or 1, or another action becomes a best response)."""
    n, T = cases.shape
    dist = np.empty(n, dtype=np.int64)
    counts = np.zeros(T + 1, dtype=np.int64)
    for c in range(n):
        d = _case_distance(cases[c], cases[first])
        dist[c] = d
        counts[d] += 1
    pos = np.zeros(T + 1, dtype=np.int64)
    for d in range(2, T + 1):
        pos[d] = pos[d - 1] + counts[d - 1]
    order = np.empty(n - counts[0], dtype=np.int64)
    for c in range(n):
        d = dist[c]
        if d > 0:
            order[pos[d]] = c
            pos[d] += 1
    return order


@njit(cache=True)
def scan_plan(cases, at_agent, at_type, n_actions, labels, scan_budget, Kx):
    """The cases the global scan visits, in order, and the lattice side of each: every case with
    several unknowns that fits the labels, most unknowns first (the boundary-layer
    near-solutions live in the cases where every agent-type mixes), at most ``SCAN_POINTS``
    lattice points in all (a case that would exceed what is left ends its group of equal
    unknowns). Returns (case indices, points per axis); the scan stops at the first case that
    yields a verified solution."""
    n_cases = cases.shape[0]
    plan_case = np.empty(n_cases, dtype=np.int64)
    plan_side = np.empty(n_cases, dtype=np.int64)
    n_plan = 0
    points_left = SCAN_POINTS
    for n_want in range(cases.shape[1] * (Kx - 1), 1, -1):
        for c in range(n_cases):
            if (case_unknowns(cases[c], at_agent, n_actions) != n_want
                    or not _case_fits_labels(cases[c], at_agent, at_type, labels)):
                continue
            side = _lattice_side(n_want, scan_budget)
            if side ** n_want > points_left:
                break
            points_left -= side ** n_want
            plan_case[n_plan] = c
            plan_side[n_plan] = side
            n_plan += 1
    return plan_case[:n_plan], plan_side[:n_plan]


@njit(cache=True)
def scan_zlim(corner_scale):
    """Half-width of the global scan's lattice in logits: the corner starts' scale plus 6, rounded
    up to an even number."""
    return 2.0 * np.ceil(0.5 * (corner_scale + 6.0))


@njit(inline="always")
def _global_scan(ctx, belief, cases, at_agent, at_type, eta, tol, corner_scale, scan_budget, labels, cand_gamma,
                 cand_eff, cand_res, cand_case, fallback_case, work_gamma, work_eff, offpath, U):
    """The global lattice scan of a node with no verified solution (the candidate list empty, the
    fallback in its last slot): the cases of :func:`scan_plan` in order, each scanned on a
    lattice centred at 0, until one yields a verified solution. ``NodeSolver`` runs the same
    steps after its node loop with each lattice spread over its threads. Returns (count,
    fallback_case)."""
    count = np.int64(0)
    zlim = scan_zlim(corner_scale)
    plan_case, _ = scan_plan(cases, at_agent, at_type, ctx[4], labels, scan_budget, cand_gamma.shape[3])
    for p in range(plan_case.shape[0]):
        c = plan_case[p]
        n = case_unknowns(cases[c], at_agent, ctx[4])
        prev_fallback = cand_res[cand_res.shape[0] - 1]
        count = _scan_case(ctx, belief, cases[c], at_agent, at_type, eta, tol, np.zeros(n), zlim,
                           scan_budget, np.int64(SCAN_KEEP), cand_gamma, cand_eff, cand_res, count, work_gamma,
                           work_eff, offpath, U)
        count, fallback_case = _close_pass(cand_gamma, cand_eff, cand_res, cand_case, count, labels, c,
                                           prev_fallback, fallback_case)
        if count > 0:
            break
    return count, fallback_case


@njit(cache=True)
def _node_buffers(out_gamma, cap):
    """The candidate list of a node (``cap`` slots, the last one the fallback: the unverified
    candidate of smallest gain) and the work arrays, shaped like ``out_gamma`` (N, Mx, Kx)."""
    N, Mx, Kx = out_gamma.shape
    return (np.zeros((cap, N, Mx, Kx)), np.zeros((cap, N, Mx, Kx)), np.full(cap, np.inf),
            np.full(cap, -1, dtype=np.int64), np.zeros((N, Mx, Kx)), np.zeros((N, Mx, Kx)),
            np.zeros((N, Kx), dtype=np.bool_), np.zeros((N, Mx, Kx)))


@njit(inline="always")
def solve_node(ctx, belief, cases, at_agent, at_type, eta, tol, ref, has_ref, ref_gain, first_case, mode,
               accept_dist, n_starts, seed, max_solutions, corner_scale, scan_budget, scan_threshold,
               labels, full_search, out_gamma, out_eff, defer_scan=False):
    """Stage fixed point at one belief. Returns (status, case index, residual, n_found, n_tried,
    search), search: 0 the enumeration alone, 1 the local polish, 2 the exhaustive pass (and scan),
    ``SCAN_PENDING`` the global scan is due and left to the caller (``defer_scan``).

    ``first_case``: index in ``cases`` to try first (-1: none). ``mode``: 0 = the first solution
    in case order; 1 = all cases, the solution nearest (L1) ``ref``; 2 = "continue": the first
    case's solution if it is within ``accept_dist`` of ``ref`` (a single local solve from ``ref``,
    :func:`_track_case`, is tried before the full solve of that case), else the solution nearest
    ``ref`` over the other cases taken by rings of increasing distance from the first
    (:func:`_ring_order`), stopping after the first ring that holds one within ``accept_dist``
    (otherwise every case, as mode 1); 3 = as 2, but
    after the first case the other cases are tried by increasing distance from it
    (:func:`_ring_order`), at most ``CONTINUE_FIRST_CASES`` in all, and the enumeration stops at
    the next solution found (bounded cost).
    ``corner_scale`` > 0 enables the exhaustive second pass where no solution was found, and
    ``scan_budget`` > 0 then the lattice scan (:func:`_scan_case`, at most that many points per
    case) where that pass finds none either and its best candidate's gain exceeds
    ``scan_threshold`` (the scan costs seconds per node and, at a node whose best candidate is
    already that close, at most turns a near-solution into an exact one: at the flagged nodes of
    the public-goods solve at δ = 0.95 the best gain was 8e-9 and the scan did not lower it).
    ``ref_gain``: the best-response gain of ``ref`` last sweep (0: none known). Where the local scan
    of ``first_case`` finds a near-solution gaining at most min(HOLD_FACTOR * ref_gain,
    HOLD_SCAN_MULTIPLE * scan_threshold), that candidate is returned and the global scan skipped
    (hysteresis between near-solutions of about equal gain in different cases).
    ``labels`` (N,): only solutions giving equal-label agents equal prescriptions are accepted
    (all labels distinct: no constraint). ``full_search`` False (a node that had the full search
    within the last ``flagged_refresh`` sweeps): where no verified solution is found, the
    exhaustive pass and the scan are replaced by :func:`_polish_case` of ``first_case`` from ``ref``.
    ``defer_scan``: where the global scan is due, return the fallback found so far with search
    ``SCAN_PENDING`` instead of scanning; ``NodeSolver.global_scan`` then finishes the node with
    each lattice spread over all threads (:func:`lattice_gains_block`), with the same result as the
    scan here.
    """
    n_types = ctx[3]
    n_actions = ctx[4]
    cap = max_solutions + 1
    cand_gamma, cand_eff, cand_res, cand_case, work_gamma, work_eff, offpath, U = _node_buffers(out_gamma, cap)
    n_cases = cases.shape[0]
    if first_case >= n_cases:
        first_case = -1                   # a hint from another case table: ignore it
    count = np.int64(0)
    best = -1
    best_dist = np.inf
    fallback_case = -1
    tried = 0
    # leaving its case: the cases nearest it first (see _ring_order); "continue" goes on to the
    # next ring only while no solution within accept_dist of the reference has been found
    rings = (mode == 2 or mode == 3) and first_case >= 0
    ring = 0
    order = np.zeros(0, dtype=np.int64)
    for step in range(n_cases + 1):
        if step == 0:
            if first_case < 0:
                continue
            c = first_case
        elif rings:
            if step == 1:
                order = _ring_order(cases, first_case)
            if step - 1 >= order.shape[0] or (mode == 3 and tried >= CONTINUE_FIRST_CASES):
                break
            c = order[step - 1]
            if mode == 2:
                d = _case_distance(cases[c], cases[first_case])
                if d > ring:
                    if best_dist <= accept_dist:
                        break
                    ring = d
        else:
            c = step - 1
            if c == first_case:
                continue
        if not _case_fits_labels(cases[c], at_agent, at_type, labels):
            continue
        tried += 1
        before = count
        if step == 0 and mode >= 2 and has_ref:
            # continuation: one local solve from the reference first; kept if within accept_dist
            prev_fallback = cand_res[cap - 1]
            count = _track_case(ctx, belief, cases[c], at_agent, at_type, eta, tol, ref, cand_gamma,
                                cand_eff, cand_res, count, work_gamma, work_eff, offpath, U)
            count = _keep_symmetric(cand_gamma, cand_eff, cand_res, before, count, labels)
            if cand_res[cap - 1] < prev_fallback:
                fallback_case = c
            if count > before and _l1(cand_gamma[before], ref, n_types, n_actions) <= accept_dist:
                cand_case[before] = c
                best = before
                best_dist = _l1(cand_gamma[before], ref, n_types, n_actions)
                break
            count = before
        prev_fallback = cand_res[cap - 1]
        count = _solve_case(ctx, belief, cases[c], at_agent, at_type, eta, tol, ref, has_ref, n_starts,
                            seed + 7919 * c, np.int64(8), cand_gamma, cand_eff, cand_res, count, work_gamma, work_eff,
                            offpath, U, 0.0)
        count = _keep_symmetric(cand_gamma, cand_eff, cand_res, before, count, labels)
        if cand_res[cap - 1] < prev_fallback:
            fallback_case = c
        for k in range(before, count):
            cand_case[k] = c
            d = _l1(cand_gamma[k], ref, n_types, n_actions) if has_ref else 0.0
            if d < best_dist:
                best_dist = d
                best = k
        if count > 0:
            if mode == 0 or (mode == 3 and step > 0 and count > before):
                break
            if mode >= 2 and step == 0 and best_dist <= accept_dist:
                break
        if count >= max_solutions:
            break
    search = 0
    # the polish needs a reference and its case; without them the full search runs
    polish = (not full_search) and has_ref and first_case >= 0
    if count == 0 and corner_scale > 0.0 and polish:
        # flagged last sweep too: continue its near-solution instead of searching exhaustively again
        search = 1
        prev_fallback = cand_res[cap - 1]
        count = _polish_case(ctx, belief, cases[first_case], at_agent, at_type, eta, tol, ref, cand_gamma,
                             cand_eff, cand_res, count, work_gamma, work_eff, offpath, U)
        count, fallback_case = _close_pass(cand_gamma, cand_eff, cand_res, cand_case, count, labels,
                                           first_case, prev_fallback, fallback_case)
        if count > 0:
            best = 0
    if count == 0 and corner_scale > 0.0 and not polish:
        search = 2
        # no verified solution: a second, exhaustive pass over the cases with several unknowns, in
        # case order, at most CORNER_STARTS Levenberg-Marquardt starts per node in all
        remaining = CORNER_STARTS
        for c in range(n_cases):
            n_c = case_unknowns(cases[c], at_agent, n_actions)
            if n_c < 2 or not _case_fits_labels(cases[c], at_agent, at_type, labels):
                continue
            if remaining <= 0:
                break
            starts = min(3 ** min(n_c, 12), remaining)
            remaining -= starts
            prev_fallback = cand_res[cap - 1]
            count = _solve_case(ctx, belief, cases[c], at_agent, at_type, eta, tol, ref, has_ref,
                                starts, seed + 7919 * c, np.int64(8), cand_gamma, cand_eff, cand_res, count,
                                work_gamma, work_eff, offpath, U, corner_scale)
            count, fallback_case = _close_pass(cand_gamma, cand_eff, cand_res, cand_case, count, labels, c,
                                               prev_fallback, fallback_case)
            if count > 0:
                best = 0
                break
    held = False
    n_first = case_unknowns(cases[first_case], at_agent, n_actions) if first_case >= 0 else 0
    if (count == 0 and corner_scale > 0.0 and not polish and scan_budget > 0 and has_ref and first_case >= 0
            and cand_res[cap - 1] > scan_threshold and 2 <= n_first <= LOCAL_SCAN_MAX_UNKNOWNS
            and _case_fits_labels(cases[first_case], at_agent, at_type, labels)):
        # before the global scan, a small one around the reference in its case: a node flagged
        # last sweep has its near-solution there (in the tremble's boundary layer, where the
        # posteriors sit on kinks of the interpolated V and Levenberg-Marquardt stalls), and V
        # moved a little since; the global scan runs only if this leaves the gain above
        # scan_threshold and above the hold limit (HOLD_FACTOR)
        hold_limit = min(HOLD_FACTOR * ref_gain, HOLD_SCAN_MULTIPLE * scan_threshold)
        count, fallback_case, held = _local_scan(ctx, belief, cases[first_case], first_case, n_first, at_agent,
                                                 at_type, eta, tol, ref, hold_limit, labels, cand_gamma,
                                                 cand_eff, cand_res, cand_case, count, fallback_case,
                                                 work_gamma, work_eff, offpath, U)
        if count > 0:
            best = 0
    if (count == 0 and not held and corner_scale > 0.0 and not polish and scan_budget > 0
            and cand_res[cap - 1] > scan_threshold):
        if defer_scan:
            # the caller runs the global scan after the node loop, each lattice on all threads
            # (NodeSolver.global_scan): hand it the fallback found so far
            out_gamma[:] = cand_gamma[cap - 1]
            out_eff[:] = cand_eff[cap - 1]
            return APPROXIMATE, fallback_case, cand_res[cap - 1], 0, tried, SCAN_PENDING
        count, fallback_case = _global_scan(ctx, belief, cases, at_agent, at_type, eta, tol, corner_scale,
                                            scan_budget, labels, cand_gamma, cand_eff, cand_res, cand_case,
                                            fallback_case, work_gamma, work_eff, offpath, U)
        if count > 0:
            best = 0
    if best >= 0:
        out_gamma[:] = cand_gamma[best]
        out_eff[:] = cand_eff[best]
        return EXACT, cand_case[best], cand_res[best], count, tried, search
    out_gamma[:] = cand_gamma[cap - 1]
    out_eff[:] = cand_eff[cap - 1]
    return APPROXIMATE, fallback_case, cand_res[cap - 1], 0, tried, search


@njit(cache=True, nogil=True)
def solve_nodes(ctx, beliefs, cases, at_agent, at_type, eta, tol, refs, has_ref, ref_gains, first_cases, mode,
                accept_dist, n_starts, seed, max_solutions, corner_scale, scan_budget, scan_threshold, labels,
                full_search, defer_scan, out_gamma, out_eff, out_status, out_case, out_residual, out_found,
                out_search):
    """solve_node at every belief of ``beliefs`` (B, N, Mx), node ``b`` with the seed ``seed + b``;
    results are per node. Serial and without the GIL: ``spbe.stage.node_solver`` runs blocks of
    nodes on several threads (a block starting at node ``a`` gets ``seed + a``), so the results
    do not depend on the thread count or schedule. (A ``prange`` loop here compiled the whole node
    solver a second time, as the loop body of numba's parallel region: about a third of the first
    run's compile time.) With ``defer_scan`` the nodes whose global scan is due come back with
    search ``SCAN_PENDING`` (finished by ``NodeSolver.global_scan``)."""
    for b in range(beliefs.shape[0]):
        st, c, r, nf, _, srch = solve_node(ctx, beliefs[b], cases, at_agent, at_type, eta, tol, refs[b],
                                     has_ref, ref_gains[b], first_cases[b], mode, accept_dist, n_starts, seed + b,
                                     max_solutions, corner_scale, scan_budget, scan_threshold, labels[b],
                                     full_search[b], out_gamma[b], out_eff[b], defer_scan)
        out_status[b] = st
        out_case[b] = c
        out_residual[b] = r
        out_found[b] = nf
        out_search[b] = srch


@njit(cache=True)
def offpath_from_played(belief, gamma, n_types, n_actions, offpath):
    """Exact zero-probability test on a played strategy (pure supports hold exact zeros)."""
    for j in range(n_types.shape[0]):
        for a in range(offpath.shape[1]):
            played = False
            if a < n_actions[j]:
                for x in range(n_types[j]):
                    if belief[j, x] > 0.0 and gamma[j, x, a] > 0.0:
                        played = True
                        break
            offpath[j, a] = not played


@njit(cache=True, nogil=True)
def action_values_nodes(ctx, beliefs, gammas, out):
    """U^i(π_b, x, a; γ_b, V) at every belief b for the played prescriptions γ_b.

    A serial loop that releases the GIL, run on blocks of beliefs by the caller's thread pool
    (as ``solve_nodes``): a ``prange`` loop made numba compile the whole evaluation a second
    time as a parallel region, about 5 s of the first run's compilation."""
    n_types = ctx[3]
    n_actions = ctx[4]
    for b in range(beliefs.shape[0]):
        offpath = np.zeros((n_types.shape[0], gammas.shape[3]), dtype=np.bool_)
        offpath_from_played(beliefs[b], gammas[b], n_types, n_actions, offpath)
        evaluate(ctx, beliefs[b], gammas[b], offpath, out[b])
