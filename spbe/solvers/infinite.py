"""The infinite-horizon joint fixed point (6.17) in (V, θ) on a belief grid.

Thesis ch. 6 §4: find V and a stationary θ with, at every belief π,
θ[π] a solution of the stage fixed point (6.17a) given V, and V(π, ·) the value (6.17b) it gives.
Lemma 4.2 makes (6.17) the fixed point of one step of the backward recursion, so value
iteration is the T → ∞ limit of the finite-horizon recursion. It is *not* a contraction: the
selected stage equilibrium changes with V (notes §2.6). The stabilisers used here:

1. **continuation in δ**: solve a schedule δ_1 < ... < δ, each warm-started from the last
   (V and θ), because at small δ the iteration converges like a δ-contraction;
2. **consistent selection** ("continue"): at each node try last sweep's case first, starting
   from last sweep's strategy, and keep it if it moved less than ``accept_dist``; otherwise the
   solution nearest it over all cases. This keeps θ continuous between sweeps;
3. **damping** V ← V + α (𝒯V − V) (same fixed points);
4. **trembles** η (optional, notes §2.4 item 4): every action has probability ≥ η, so the Bayes
   update is continuous, an exact solution of the perturbed stage problem exists at every node
   (Kakutani), and the equilibrium found is an O(η)-equilibrium of the original game;
5. **policy-iteration polish**: evaluate the current θ exactly (sparse linear system), re-solve
   the stage problems against that value with the consistent selection, and repeat until θ
   stops changing. At such a point θ solves (6.17a) against its own value: an exact fixed point
   of the grid problem, which is what the verification then measures.

Status: on the public-goods game this converges at δ = 0.5 on 51 × 51 (16 sweeps) and at
δ = 0.95 on 11 × 11 (100 sweeps) and, by grid continuation (:func:`spbe.solve`), on 51 × 51
(levels 6, 26, 51), each confirmed by policy iteration. From the δ schedule alone it does not
converge on 21 × 21 at δ ≥ 0.9: there (traced node by node) the selected branch of stage
equilibria ends at a fold and the grid fixed point lies on an unstable middle branch, which no
iteration V ← 𝒯V reaches. Nor at 101 × 101 from the default 51 × 51 solution, where the same
picture fits what was measured: policy iteration cycles between selections (documentation:
design records, "Performance history"). Tried and not kept (design records, "Tried and not
kept"): logit-smoothed arclength continuation, Newton on the whole grid system and a
value-consistent selection.
"""
from __future__ import annotations

import time
from typing import Callable, Optional, Sequence

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from ..stage.node_solver import NodeSolution, NodeSolver
from ..symmetry import SymmetryMap
from .policy_evaluation import evaluate_policy, node_action_values

__all__ = ["value_iteration", "AndersonAcceleration"]


class AndersonAcceleration:
    """Anderson acceleration (type II, Walker & Ni 2011) of the fixed-point iteration V ← 𝒯V.

    Keeps the last ``memory`` iterates x_k and residuals f_k = 𝒯x_k − x_k and steps to
    x + f − (ΔX + ΔF) c, where c minimises ‖f − ΔF c‖ (least squares, Tikhonov-regularised).
    Safeguard: if the residual grows above twice the smallest one since the last reset, the
    history is dropped and a plain step x + f is taken (it is then a fresh start).
    """

    def __init__(self, memory: int = 5, regularization: float = 1e-10):
        if memory < 1:
            raise ValueError(f"memory: must be ≥ 1, got {memory!r}")
        self.memory = int(memory)
        self.regularization = float(regularization)
        self.reset()

    def reset(self):
        self._x, self._f = [], []
        self._best = np.inf

    def get_state(self):
        return [x.copy() for x in self._x], [f.copy() for f in self._f], self._best

    def set_state(self, xs, fs, best):
        self._x, self._f, self._best = [np.array(x) for x in xs], [np.array(f) for f in fs], float(best)

    def step(self, x: np.ndarray, gx: np.ndarray, residual: float) -> np.ndarray:
        f = (gx - x).ravel()
        if residual > 2.0 * self._best:
            self.reset()
        self._best = min(self._best, residual)
        self._x.append(x.ravel().copy())
        self._f.append(f.copy())
        if len(self._x) > self.memory + 1:
            self._x.pop(0)
            self._f.pop(0)
        if len(self._x) == 1:
            return gx.copy()
        dX = np.diff(np.array(self._x), axis=0).T          # (n, k)
        dF = np.diff(np.array(self._f), axis=0).T
        A = dF.T @ dF
        A[np.diag_indices_from(A)] += self.regularization * max(np.trace(A), 1e-300)
        c = np.linalg.solve(A, dF.T @ f)
        out = x.ravel() + f - (dX + dF) @ c
        return out.reshape(x.shape)


def pooling_nodes(game, beliefs: np.ndarray, played: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """Nodes where every agent's played prescription is the same for all its types of positive
    belief: no action moves the belief, so every posterior of the node is the node itself."""
    pool = np.ones(len(beliefs), dtype=bool)
    for i, m in enumerate(game.n_types):
        pi = beliefs[:, i, :m]
        g = played[:, i, :m, :]
        pooled = (pi[:, :, None] * g).sum(axis=1) / pi.sum(axis=1)[:, None]
        gap = np.abs(g - pooled[:, None, :]).max(axis=-1)
        pool &= np.all((gap <= atol) | (pi <= 0), axis=1)
    return pool


def stage_sweep(solver: NodeSolver, grid, beliefs, V, delta, theta, cases, selection, accept_dist,
                symmetry: Optional[SymmetryMap] = None, full_search: Optional[np.ndarray] = None,
                self_loops: bool = False, gains: Optional[np.ndarray] = None):
    """One application of the selected stage operator: θ' and 𝒯V at every node.

    With ``symmetry`` only the canonical nodes are solved (symmetric solutions where agents
    hold equal beliefs) and the result is mirrored to the other nodes. ``full_search`` (one flag
    per node, default all) and ``gains`` (last sweep's best-response gain per node, the
    ``reference_gain`` that holds a flagged node on its near-solution): see
    :meth:`NodeSolver.solve`.

    ``self_loops`` (static types): at a node where θ' pools (:func:`pooling_nodes`) the
    continuation is the node's own value, 𝒯V(b) = r̄(b) + δ V(b), and 𝒯V(b) is replaced by the
    fixed point of that map, r̄(b) / (1 − δ) = (𝒯V(b) − δ V(b)) / (1 − δ): the value of
    playing θ'(b) for ever, which value iteration would otherwise approach at rate δ while the
    selection at b answers last sweep's value. The fixed points of the iteration are the same,
    and ‖𝒯'V − V‖ ≥ ‖𝒯V − V‖ there, so the stopping rule stays valid.
    """
    idx = slice(None) if symmetry is None else symmetry.canonical
    labels = None if symmetry is None else symmetry.labels
    if theta is None:
        res = solver.solve(beliefs[idx], V, delta, selection="first", labels=labels)
    else:
        res = solver.solve(beliefs[idx], V, delta, reference=theta[idx], first_case=cases[idx],
                           selection=selection, accept_dist=accept_dist, labels=labels,
                           full_search=None if full_search is None else full_search[idx],
                           reference_gain=None if gains is None else gains[idx])
    if symmetry is not None:
        game = solver.game
        pos = symmetry.position
        rows = symmetry.permute_case_rows(solver.cases[np.maximum(res.case, 0)], game.n_types)
        case = np.where(res.case[pos] >= 0, solver.case_index(rows), -1)
        res = NodeSolution(symmetry.expand(res.strategy), symmetry.expand(res.played), res.status[pos],
                           case, res.residual[pos], res.n_found[pos], res.search[pos])
    U = node_action_values(solver.game, grid, beliefs, res.played, V, delta, solver.backend)
    TV = (res.played * U).sum(axis=-1)
    if self_loops and delta > 0 and V is not None:
        pool = pooling_nodes(solver.game, beliefs, res.played)
        TV[pool] = (TV[pool] - delta * V.values[pool]) / (1 - delta)
    return res, TV


def value_iteration(game, grid: BeliefGrid, delta: float, solver: NodeSolver, *,
                    schedule: Sequence[float] = (), V0: Optional[np.ndarray] = None,
                    theta0: Optional[np.ndarray] = None, cases0: Optional[np.ndarray] = None,
                    damping: Optional[float] = None, tol: float = 1e-8, max_iter: int = 2000,
                    selection: str = "auto", accept_dist: float = 0.5, stable_sweeps: int = 5,
                    policy_iterations: int = 50, callback: Optional[Callable] = None,
                    symmetry: Optional[SymmetryMap] = None, anderson: int = 5,
                    checkpoint=None, checkpoint_every: int = 10, resume=None,
                    checkpoint_meta: Optional[dict] = None, flagged_refresh: int = 1,
                    self_loops: bool = False) -> dict:
    """Solve (6.17) on ``grid``; returns a dict of arrays and diagnostics (see :func:`spbe.solve`).

    ``tol`` is in per-round units: the Bellman residual is scaled by (1 - δ) before comparison.
    ``anderson``: memory of the Anderson acceleration used while no node changes case (0: off).
    ``checkpoint``: a path; the complete iteration state is written there (atomically, plain
    arrays + JSON) every ``checkpoint_every`` sweeps, when value iteration converges at a δ of
    the schedule, and when the callback stops the run. ``resume``: such a file; the iteration
    continues from it and gives the same result as an uninterrupted run (the sweeps are
    deterministic and the Anderson history is part of the state).
    ``flagged_refresh``: a node without a verified stage solution gets the full fallback search
    (exhaustive pass, lattice scan: seconds per node) only if it had none in the last this many
    sweeps at this δ, and a local polish of its previous strategy otherwise; value iteration is declared
    converged only after a sweep in which every flagged node had it. 1 (default): the full search
    at every flagged node in every sweep (see :func:`spbe.solve` for what larger values measured).
    ``self_loops``: see :func:`stage_sweep` (static types only).
    """
    if (isinstance(flagged_refresh, bool) or not isinstance(flagged_refresh, (int, np.integer))
            or flagged_refresh < 1):
        raise ValueError(f"flagged_refresh: must be an integer ≥ 1, got {flagged_refresh!r}")
    refresh = int(flagged_refresh)
    beliefs = grid.nodes()
    V = ContinuationValue(grid, np.zeros((grid.n_nodes, game.n_agents, max(game.n_types)))
                          if V0 is None else V0)
    theta, cases = theta0, cases0
    history = []
    sweeps = 0
    t0 = time.perf_counter()
    stages = [d for d in schedule if d < delta] + [delta]
    res = None
    stopped = False
    vi_converged = False
    start_stage, start_iter, unchanged0, accel_state = 0, 0, 0, None
    # sweeps since each node last had the full fallback search (a node never searched: due now)
    since_full = np.full(grid.n_nodes, refresh, dtype=np.int64)
    if resume is not None:
        (start_stage, start_iter, unchanged0, vi_converged, V, theta, cases, res, history,
         accel_state, since_full) = _restore(resume, grid, stages)
        sweeps = len(history)
    for si in range(start_stage, len(stages)):
        stage_delta = stages[si]
        if stopped:
            break
        alpha = damping if damping is not None else (1.0 if stage_delta <= 0.8 else 0.5)
        unchanged = unchanged0 if si == start_stage else 0
        if si != start_stage or start_iter == 0:
            # a new δ moves every stage problem: every node is due for the full search (a run
            # resumed in the middle of a δ keeps its saved counters)
            since_full[:] = refresh
        accel = AndersonAcceleration(anderson) if anderson else None
        if accel is not None and accel_state is not None and si == start_stage:
            accel.set_state(*accel_state)
        for it in range(start_iter if si == start_stage else 0, max_iter):
            # the polish needs last sweep's strategy and case at the node (any node: one that
            # flags every other sweep is polished too, not searched again each time it reappears)
            full = np.ones(grid.n_nodes, dtype=bool)
            if theta is not None and refresh > 1:
                full = since_full + 1 >= refresh
            try:
                res, TV = stage_sweep(solver, grid, beliefs, V, stage_delta, theta, cases, selection,
                                      accept_dist, symmetry, full, self_loops,
                                      None if res is None else res.residual)
            except KeyboardInterrupt:
                # Ctrl-C: the last completed sweep is on disk (if checkpointing); say so and stop
                if checkpoint is not None and sweeps:
                    print(f"interrupted: resume from {checkpoint} (sweep {sweeps})")
                raise
            diff = float(np.max(np.abs(TV - V.values))) * (1 - stage_delta)
            changed = int(np.count_nonzero(res.case != cases)) if cases is not None else grid.n_nodes
            unchanged = unchanged + 1 if changed == 0 else 0
            theta, cases = res.strategy, res.case
            # With every node's case fixed, 𝒯 is a smooth map of V, and Anderson acceleration
            # turns the linear rate 1 - α(1 - δ) into a superlinear one; any case change (or a
            # step that makes the residual grow) falls back to the damped step.
            if accel is not None and unchanged >= 2:
                new_values, phase = accel.step(V.values, TV, diff), "value-iteration+anderson"
            else:
                if accel is not None:
                    accel.reset()
                new_values, phase = V.values + alpha * (TV - V.values), "value-iteration"
            V = ContinuationValue(grid, new_values)
            sweeps += 1
            history.append(dict(delta=stage_delta, sweep=sweeps, residual=diff, case_changes=changed,
                                flagged=int(np.count_nonzero(res.status)), phase=phase,
                                polished=int(np.count_nonzero(res.search == 1))))
            since_full = np.where(res.search == 2, 0, since_full + 1)
            vi_converged = diff <= tol and unchanged >= min(stable_sweeps, 1 if stage_delta == 0 else stable_sweeps)
            if vi_converged and np.any(res.search == 1):
                # a flagged node only polished this sweep: search it fully before stopping
                vi_converged = False
                since_full[res.status != 0] = refresh
            if checkpoint is not None and (sweeps % checkpoint_every == 0 or vi_converged):
                _save_checkpoint(checkpoint, si, it, unchanged, vi_converged, V.values, theta, cases, res,
                                 history, accel, checkpoint_meta, since_full)
            if callback is not None and callback(history[-1]) is False:
                stopped = True
                if checkpoint is not None:
                    _save_checkpoint(checkpoint, si, it, unchanged, vi_converged, V.values, theta, cases,
                                     res, history, accel, checkpoint_meta, since_full)
                break
            if vi_converged:
                break
    # policy-iteration polish at the final δ; keeps the best iterate (smallest Bellman residual),
    # and gives up after 3 steps without improvement (from a state far from a fixed point,
    # policy iteration wanders instead of settling)
    pi_converged = False
    # policy iteration continues every node's case; where that fails, the bounded search of
    # "continue-first" in games with many cases, the nearest over all cases otherwise
    pi_selection = "continue-first" if solver.resolve_selection(selection) == "continue-first" else "continue"
    best = (history[-1]["residual"] if history else np.inf, V, res, vi_converged)
    worse = 0
    for _ in range(0 if stopped else policy_iterations):
        W = evaluate_policy(game, grid, res.played, delta, solver.backend)
        Wv = ContinuationValue(grid, W)
        new, TW = stage_sweep(solver, grid, beliefs, Wv, delta, theta, cases, pi_selection, accept_dist,
                              symmetry, gains=res.residual)
        move = float(np.max(np.abs(new.strategy - theta)))
        changed = int(np.count_nonzero(new.case != cases))
        diff = float(np.max(np.abs(TW - W))) * (1 - delta)
        sweeps += 1
        history.append(dict(delta=delta, sweep=sweeps, residual=diff, case_changes=changed,
                            flagged=int(np.count_nonzero(new.status)), phase="policy-iteration",
                            strategy_move=move))
        if callback is not None and callback(history[-1]) is False:
            stopped = True
            break
        res, theta, cases, V = new, new.strategy, new.case, Wv
        if changed == 0 and move <= 1e-7 and diff <= tol:
            pi_converged = True
            break
        if diff < best[0]:
            best, worse = (diff, V, res, changed == 0 and diff <= tol), 0
        else:
            worse += 1
            if worse >= 3:
                break
    if not pi_converged and best[2] is not None and best[2] is not res:
        _, V, res, _ = best
        history.append(dict(delta=delta, sweep=sweeps, residual=best[0], case_changes=None,
                            flagged=int(np.count_nonzero(res.status)), phase="best-iterate"))
    final_V = V.values
    return dict(values=final_V, result=res, history=history, sweeps=sweeps,
                policy_converged=pi_converged, stopped=stopped,
                converged=bool(pi_converged or (not stopped and best[3] and best[2] is res)), elapsed=time.perf_counter() - t0)


def _save_checkpoint(path, stage, it, unchanged, vi_converged, V, theta, cases, res, history, accel,
                     meta=None, since_full=None):
    """Write the value-iteration state (no pickle) to ``path`` atomically."""
    import json
    import os
    from pathlib import Path
    path = Path(path)
    xs, fs, best = accel.get_state() if accel is not None else ([], [], np.inf)
    header = dict(kind="spbe-checkpoint", version=1, stage=int(stage), iteration=int(it),
                  unchanged=int(unchanged), vi_converged=bool(vi_converged), history=history,
                  anderson_best=None if not np.isfinite(best) else float(best), anderson_len=len(xs),
                  meta=meta or {})
    arrays = dict(V=V, theta=theta, cases=cases, res_strategy=res.strategy, res_played=res.played,
                  res_status=res.status, res_case=res.case, res_residual=res.residual,
                  res_n_found=res.n_found, header=np.array(json.dumps(header)))
    if since_full is not None:
        arrays["since_full"] = since_full
    if xs:
        arrays["anderson_x"] = np.array(xs)
        arrays["anderson_f"] = np.array(fs)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)


def read_checkpoint(path) -> dict:
    """The contents of a checkpoint file (arrays and its JSON header); never unpickles."""
    from .._file_checks import FileCheckError, read_header, read_npz
    out = read_npz(path, "resume")                   # a truncated or corrupted file: one error
    header = read_header(out, f"resume: {path}")
    if header.get("kind") != "spbe-checkpoint":
        raise FileCheckError(f"resume: {path} is not an spbe checkpoint")
    out["header"] = header
    return out


def _restore(state, grid, stages):
    h = state["header"]
    if state["V"].shape[0] != grid.n_nodes:
        raise ValueError("resume: the checkpoint is from another grid")
    stage, it = h["stage"], h["iteration"]
    if stage >= len(stages):
        raise ValueError("resume: the checkpoint is from another δ schedule")
    res = NodeSolution(state["res_strategy"], state["res_played"], state["res_status"], state["res_case"],
                       state["res_residual"], state["res_n_found"])
    accel_state = None
    if h["anderson_len"]:
        accel_state = (list(state["anderson_x"]), list(state["anderson_f"]),
                       np.inf if h["anderson_best"] is None else h["anderson_best"])
    unchanged = h["unchanged"]
    if h["vi_converged"]:
        # that δ was finished: go on with the next one of the schedule
        stage, it, unchanged, accel_state = stage + 1, 0, 0, None
    else:
        it += 1
    # checkpoints written before the flagged-node refresh have no counter: a full search everywhere
    since_full = (np.asarray(state["since_full"], dtype=np.int64) if "since_full" in state
                  else np.full(grid.n_nodes, 1 << 30, dtype=np.int64))
    return (stage, it, unchanged, h["vi_converged"], ContinuationValue(grid, state["V"]), state["theta"],
            state["cases"], res, list(h["history"]), accel_state, since_full)
