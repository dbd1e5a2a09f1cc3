"""The stage fixed point at many grid nodes at once (compiled case enumeration).

:func:`spbe.stage_equilibria` lists every solution at one belief and is the reference; the
:class:`NodeSolver` here runs the same enumeration in numba over a whole grid per sweep and returns,
per node, one solution chosen by a selection rule (notes §2.5):

``"first"``      the first solution in case order (the previous case first when given);
``"nearest"``    all cases; the solution nearest (L1) the reference strategy;
``"continue"``   the previous case's solution if it stays within ``accept_dist`` of the reference,
                 else the solution nearest the reference over the other cases, taken by rings
                 (supports changed at one agent-type, then at two, ...) and stopping after the
                 first ring holding one within ``accept_dist``; with none, every case, as
                 ``"nearest"`` (what the SPBE solvers run in games with at most 100 cases: it
                 keeps θ continuous between sweeps, which the outer iteration needs in order to
                 settle);
``"continue-first"`` as ``"continue"``, but otherwise the first solution found among the other
                 cases taken by increasing distance from the previous one (supports changed at
                 one agent-type, then at two, ...; case order within a distance): bounded cost,
                 a node that leaves its case does not enumerate every case;
``"auto"``       ``"continue"`` where the case table has at most ``FULL_ENUMERATION_CASES`` (100)
                 cases, ``"continue-first"`` above (:meth:`NodeSolver.resolve_selection`; the
                 default of :func:`spbe.solve`).

Where no case has a verified solution, a second pass starts Levenberg-Marquardt from the corners
{-L, 0, L}^n of the cases' logit boxes (L = log(1/η); at most 729 starts per node, in case
order), and a last one scans a lattice of logits (at most 10^6 points per node, the cases with
the most unknowns first; then polishes) — solutions with several
unknowns in the tremble's boundary layer at once are found only that way. Where the node has a
reference (last sweep's strategy) a small lattice around it, in its case, is scanned first, and
the global scan runs only if that leaves the gain above ``scan_threshold`` (a node flagged last
sweep has its near-solution there: 0.6 s per such node instead of 4 s at 101 x 101); where it
finds one within twice the node's gain of last sweep (``reference_gain``, at most 10 x
``scan_threshold``) that one is kept, and the global scan skipped (hysteresis: no flipping among
near-solutions of about equal gain in other cases). Both passes retry a
failed start with Marquardt's scale-invariant damping. The scan is skipped where the best
candidate already gains at most ``scan_threshold``. Where all of that fails the node is flagged
and the candidate with the smallest best-response gain is returned. With ``full_search`` False
at a node (the iterative solvers' ``flagged_refresh``) both passes are replaced by a local
polish of the reference strategy. Where agents hold equal beliefs (``labels``), cases giving
them different supports are skipped: they cannot hold the symmetric solutions accepted there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._limits import check_cases
from .._validation import check_int, check_real
from .._kernels.backends import check_backend, kernel_module, run_blocks
from ..beliefs.continuation import ContinuationValue
from .supports import iter_cases

__all__ = ["NodeSolver", "NodeSolution", "SELECTION_MODES", "FULL_ENUMERATION_CASES"]

SELECTION_MODES = {"first": 0, "nearest": 1, "continue": 2, "continue-first": 3}

#: "auto" selection: games with at most this many cases get the nearest solution over all cases
#: where a node leaves its case ("continue"), larger ones the first one found ("continue-first").
#: The 2-agent, 2-type games (81 cases) are below it. Above it the full enumeration dominates the
#: sweeps right after δ changes: 3 agents x 2 types (729 cases) on 11^3, the first two δ = 0.5
#: sweeps took 59 s and 75 s with "continue" and 26 s and 40 s with "continue-first"; with
#: 2 agents x 3 types (117,649 cases) the first δ = 0.5 sweep took more than 6.5 min with
#: "continue", 55 s with "continue-first" in case order and 8 s with the nearest cases first,
#: and the second finishes (91 s) only with the cap of 729 cases per node.
FULL_ENUMERATION_CASES = 100


def kernel_context(game, V: Optional[ContinuationValue], delta: float) -> tuple:
    """The argument tuple of the numba stage kernels (see ``spbe._kernels.node_solver``)."""
    arrays = game.padded_arrays()
    if V is not None:
        vals, has = V.flat_values, True
        grid_data = V.grid.kernel_data
    else:
        vals, has = np.zeros((1, 1)), False
        dummy = np.zeros(1, dtype=np.int64)
        grid_data = (dummy,) * 5
    return (arrays["rewards"], arrays["kernels"], arrays["static"], arrays["n_types"],
            arrays["n_actions"], arrays["type_profiles"], arrays["action_profiles"], float(delta),
            np.ascontiguousarray(vals), has) + tuple(grid_data)


def case_table(game, max_unknowns: Optional[int] = None):
    """Cases as an ``(n_cases, T)`` int64 array of support bitmasks, plus the agent and type of
    each column (agent-major, type-minor), in the enumeration order of :func:`iter_cases`."""
    at_agent = np.array([i for i, m in enumerate(game.n_types) for _ in range(m)], dtype=np.int64)
    at_type = np.array([x for m in game.n_types for x in range(m)], dtype=np.int64)
    rows = [[sum(1 << a for a in s) for s in case] for case in iter_cases(game, max_unknowns=max_unknowns)]
    return np.array(rows, dtype=np.int64).reshape(-1, len(at_agent)), at_agent, at_type


@dataclass
class NodeSolution:
    """Per-node results of one batch: arrays over the B beliefs solved."""

    strategy: np.ndarray        # (B, N, Mx, Kx) intended prescriptions γ̃
    played: np.ndarray          # (B, N, Mx, Kx) γ_eff (= strategy unless trembles are on)
    status: np.ndarray          # (B,) 0 exact, 1 approximate (no verified solution)
    case: np.ndarray            # (B,) index into the case table (-1: none)
    residual: np.ndarray        # (B,) best-response gain of the intended strategy
    n_found: np.ndarray         # (B,) verified solutions met
    #: (B,) where no case had a verified solution: 0 none needed, 1 the local polish of the
    #: reference only (``full_search`` False), 2 the exhaustive pass and, if need be, the scan
    search: Optional[np.ndarray] = None


class NodeSolver:
    """Compiled stage solver for one game, tolerance and tremble size."""

    def __init__(self, game, *, tol: float = 1e-9, eta: float = 0.0, n_starts: int = 4,
                 max_unknowns: Optional[int] = None, seed: int = 0, max_solutions: int = 64,
                 exhaustive_fallback: bool = True, scan_budget: int = 300_000,
                 scan_threshold: float = 1e-6, backend: str = "numba"):
        check_real(eta, "eta", 0, None)
        if not (0.0 <= eta < 1.0 / max(game.n_actions)):
            raise ValueError(f"eta: the tremble must lie in [0, 1/K_max), got {eta!r}")
        check_real(tol, "tol", 0, None, min_open=True)
        n_starts = check_int(n_starts, "n_starts", minimum=0)
        max_unknowns = check_int(max_unknowns, "max_unknowns", minimum=0, allow_none=True)
        self.game = game
        # "numpy": the same kernels executed uncompiled (spbe._kernels.backends)
        self.backend = check_backend(backend)
        self.tol = float(tol)
        self.eta = float(eta)
        self.n_starts = int(n_starts)
        self.seed = int(seed)
        self.max_solutions = int(max_solutions)
        # logit scale of the exhaustive pass: the tremble's boundary layer, or 1e-6 in exact mode
        self.corner_scale = (0.0 if not exhaustive_fallback else
                             float(np.log(1.0 / eta)) if eta > 0 else float(np.log(1e6)))
        # points per case of the last-resort lattice scan (0: none); only with the exhaustive pass
        self.scan_budget = int(scan_budget) if exhaustive_fallback else 0
        # ... and only where the best candidate so far gains more than this (seconds per node
        # saved where a near-solution exists; 0 scans wherever no exact solution was found)
        if not scan_threshold >= 0:
            raise ValueError(f"scan_threshold: must be >= 0, got {scan_threshold!r}")
        self.scan_threshold = float(scan_threshold)
        # the size guard before the case table is built (3^24 rows for 6 agents x 4 types)
        check_cases(game.n_types, game.n_actions, max_unknowns, "game")
        self.cases, self.at_agent, self.at_type = case_table(game, max_unknowns)
        self._case_index = {tuple(r): k for k, r in enumerate(self.cases.tolist())}

    def resolve_selection(self, selection: str) -> str:
        """The selection rule actually run: ``"auto"`` resolved by the size of the case table
        (see ``FULL_ENUMERATION_CASES``); any other valid rule is returned unchanged."""
        if selection == "auto":
            return "continue" if len(self.cases) <= FULL_ENUMERATION_CASES else "continue-first"
        if selection not in SELECTION_MODES:
            raise ValueError(f"selection: must be 'auto' or one of {sorted(SELECTION_MODES)}, "
                             f"got {selection!r}")
        return selection

    def case_index(self, rows: np.ndarray) -> np.ndarray:
        return np.array([self._case_index.get(tuple(r), -1) for r in rows.tolist()], dtype=np.int64)

    def solve(self, beliefs: np.ndarray, V: Optional[ContinuationValue], delta: float, *,
              reference: Optional[np.ndarray] = None, first_case: Optional[np.ndarray] = None,
              selection: str = "auto", accept_dist: float = 0.5,
              labels: Optional[np.ndarray] = None,
              full_search: Optional[np.ndarray] = None,
              reference_gain: Optional[np.ndarray] = None, defer_scan: bool = True,
              seeds: Optional[np.ndarray] = None) -> NodeSolution:
        """Solve at every belief of ``beliefs`` (B, N, Mx).

        ``labels`` (B, N): at node b only solutions in which agents with equal labels play equal
        prescriptions are accepted (exchange-symmetric games; see :mod:`spbe.symmetry`).
        ``full_search`` (B,) bool, default all True: where False and no case has a verified
        solution, the exhaustive pass and the lattice scan are skipped and the reference strategy
        is polished locally in ``first_case`` instead (the iterative solvers pass False at nodes
        already flagged in the previous sweep; see :func:`spbe.solvers.infinite.value_iteration`).
        ``reference_gain`` (B,), default 0: the best-response gain of ``reference`` in the previous
        sweep. At a node without a verified solution whose local scan of ``first_case`` finds a
        near-solution gaining at most min(2 × that, 10 × ``scan_threshold``), that one is kept
        and the global scan skipped (``HOLD_FACTOR`` in ``spbe._kernels.node_solver``): a
        flagged node stays on its near-solution instead of flipping between near-solutions of
        about equal gain in other cases.
        ``defer_scan`` (default True): run the global lattice scans after the loop over the nodes,
        each lattice on all threads (:meth:`global_scan`); False runs each inside the loop, on the
        node's thread. The results are the same; False is the baseline of ``benchmarks/bench_solve.py
        --sections scan``.
        ``seeds`` (B,) int, optional: the seed of the multi-start points at each belief. By
        default node b gets ``self.seed + b`` (a grid's node keeps its index); off the grid each
        belief passes a seed of its own (a hash of the belief), so that the solution at a belief
        does not depend on where it sits in the batch.
        """
        selection = self.resolve_selection(selection)
        game = self.game
        beliefs = np.ascontiguousarray(beliefs, dtype=float)
        B = beliefs.shape[0]
        shape = (B, game.n_agents, max(game.n_types), max(game.n_actions))
        has_ref = reference is not None
        refs = np.ascontiguousarray(reference, dtype=float) if has_ref else np.zeros(shape)
        first = (np.full(B, -1, dtype=np.int64) if first_case is None
                 else np.ascontiguousarray(first_case, dtype=np.int64))
        out = NodeSolution(np.zeros(shape), np.zeros(shape), np.zeros(B, dtype=np.int64),
                           np.zeros(B, dtype=np.int64), np.zeros(B), np.zeros(B, dtype=np.int64),
                           np.zeros(B, dtype=np.int64))
        if labels is None:
            labels = np.tile(np.arange(game.n_agents, dtype=np.int64), (B, 1))
        labels = np.ascontiguousarray(labels, dtype=np.int64)
        if full_search is None:
            full_search = np.ones(B, dtype=np.bool_)
        full_search = np.ascontiguousarray(full_search, dtype=np.bool_)
        if full_search.shape != (B,):
            raise ValueError(f"full_search: expected shape ({B},), got {full_search.shape}")
        gains = (np.zeros(B) if reference_gain is None or not has_ref
                 else np.ascontiguousarray(reference_gain, dtype=float))
        if gains.shape != (B,):
            raise ValueError(f"reference_gain: expected shape ({B},), got {gains.shape}")
        if np.any(np.isnan(gains)) or np.any(gains < 0):
            raise ValueError("reference_gain: must be non-negative numbers (best-response gains)")
        mode = SELECTION_MODES[selection]
        if mode != 0 and not has_ref:
            mode = 0
        kernels = kernel_module("node_solver", self.backend)
        ctx = kernel_context(game, V, delta)

        def one_seed_each(a, b):          # beliefs a..b-1, each with its own seed
            for k in range(a, b):
                kernels.solve_nodes(ctx, beliefs[k:k + 1], self.cases, self.at_agent, self.at_type, self.eta,
                                    self.tol, refs[k:k + 1], has_ref, gains[k:k + 1], first[k:k + 1], mode,
                                    float(accept_dist), self.n_starts, int(seeds[k]), self.max_solutions,
                                    self.corner_scale, self.scan_budget, self.scan_threshold, labels[k:k + 1],
                                    full_search[k:k + 1], bool(defer_scan), out.strategy[k:k + 1],
                                    out.played[k:k + 1], out.status[k:k + 1], out.case[k:k + 1],
                                    out.residual[k:k + 1], out.n_found[k:k + 1], out.search[k:k + 1])

        def block(a, b):                  # nodes a..b-1; node k keeps the seed self.seed + k
            if seeds is not None:
                return one_seed_each(a, b)
            kernels.solve_nodes(ctx, beliefs[a:b], self.cases, self.at_agent, self.at_type, self.eta, self.tol,
                                refs[a:b], has_ref, gains[a:b], first[a:b], mode, float(accept_dist),
                                self.n_starts, self.seed + a, self.max_solutions, self.corner_scale,
                                self.scan_budget, self.scan_threshold, labels[a:b], full_search[a:b],
                                bool(defer_scan), out.strategy[a:b], out.played[a:b], out.status[a:b],
                                out.case[a:b], out.residual[a:b], out.n_found[a:b], out.search[a:b])

        if seeds is not None:
            seeds = np.asarray(seeds, dtype=np.int64)
            if seeds.shape != (B,):
                raise ValueError(f"seeds: expected shape ({B},), got {seeds.shape}")
        run_blocks(block, B, self.backend)
        # the global scans (seconds per node) after the node loop, each lattice on all threads: in
        # a sweep where one node needs it, the node loop would leave the other threads idle
        for b in np.flatnonzero(out.search == kernels.SCAN_PENDING):
            status, case, residual, n_found = self.global_scan(
                ctx, beliefs[b], labels[b], out.case[b], out.residual[b], out.strategy[b], out.played[b])
            out.status[b], out.case[b], out.residual[b], out.n_found[b] = status, case, residual, n_found
            out.search[b] = 2
        return out

    def global_scan(self, ctx, belief: np.ndarray, labels: np.ndarray, fallback_case: int, fallback_gain: float,
                    strategy: np.ndarray, played: np.ndarray) -> tuple[int, int, float, int]:
        """Finish a node that the node loop left with search ``SCAN_PENDING``: the global lattice
        scan from its fallback (``strategy``/``played``, gain ``fallback_gain``, case
        ``fallback_case``), the steps of the kernel's ``_global_scan`` in the same order, each
        case's lattice of gains computed in blocks on the thread pool. The gains depend on
        their point alone, so the result equals the scan inside the node loop bit for bit.
        Returns (status, case, residual, n_found) and overwrites ``strategy``/``played``.

        ``ctx``: :func:`kernel_context` of the sweep; ``belief`` (N, Mx); ``labels`` (N,)."""
        kernels = kernel_module("node_solver", self.backend)
        n_actions = ctx[4]
        cap = self.max_solutions + 1
        cand_gamma, cand_eff, cand_res, cand_case, work_gamma, work_eff, offpath, U = \
            kernels._node_buffers(strategy, cap)
        cand_gamma[cap - 1] = strategy
        cand_eff[cap - 1] = played
        cand_res[cap - 1] = fallback_gain
        count = 0
        zlim = kernels.scan_zlim(self.corner_scale)
        plan_case, plan_side = kernels.scan_plan(self.cases, self.at_agent, self.at_type, n_actions, labels,
                                                 self.scan_budget, strategy.shape[2])
        for c, side in zip(plan_case, plan_side):
            case_row = self.cases[c]
            n = int(kernels.case_unknowns(case_row, self.at_agent, n_actions))
            kernels.case_offpath(case_row, self.at_agent, self.at_type, belief, ctx[3].shape[0],
                                 work_gamma.shape[2], self.eta, offpath)
            center = np.zeros(n)
            gains = np.empty(int(side) ** n)

            def block(lo, hi):
                kernels.lattice_gains_block(ctx, belief, case_row, self.at_agent, self.at_type, self.eta, center,
                                            zlim, side, offpath, work_gamma, lo, hi, gains)

            run_blocks(block, gains.shape[0], self.backend)
            prev_fallback = cand_res[cap - 1]
            count = kernels.scan_from_gains(ctx, belief, case_row, self.at_agent, self.at_type, self.eta, self.tol,
                                            center, zlim, side, gains, kernels.SCAN_KEEP, cand_gamma, cand_eff,
                                            cand_res, count,
                                            work_gamma, work_eff, offpath, U)
            count, fallback_case = kernels._close_pass(cand_gamma, cand_eff, cand_res, cand_case, count, labels, c,
                                                       prev_fallback, fallback_case)
            if count > 0:
                break
        if count > 0:
            strategy[:] = cand_gamma[0]
            played[:] = cand_eff[0]
            return kernels.EXACT, int(cand_case[0]), float(cand_res[0]), int(count)
        strategy[:] = cand_gamma[cap - 1]
        played[:] = cand_eff[cap - 1]
        return kernels.APPROXIMATE, int(fallback_case), float(cand_res[cap - 1]), 0
