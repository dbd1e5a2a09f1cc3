"""Shared set-up of the experiments: the game, the 101 x 101 grid, the solver and the saved state."""
import sys

import numpy as np

import spbe
from spbe.beliefs.continuation import ContinuationValue
from spbe.solvers.infinite import AndersonAcceleration, read_checkpoint, stage_sweep
from spbe.solvers.policy_evaluation import node_action_values
from spbe.stage.node_solver import NodeSolver
from spbe.symmetry import SymmetryMap

DELTA, ETA = 0.95, 1e-7
game = spbe.examples.public_goods(delta=DELTA)
grid = spbe.BeliefGrid(game, 100)
nodes = grid.nodes()
sym = SymmetryMap(grid)
solver = NodeSolver(game, tol=1e-9, eta=ETA, scan_threshold=1e-6)   # spbe.solve's defaults
ck = read_checkpoint(sys.argv[1] if len(sys.argv) > 1 else "ck101.npz")
flagged = np.flatnonzero(ck["res_status"] != 0)
# the flagged mirror pair: b0 the canonical node (π_1 ≤ π_2), b1 its mirror image
b0 = next(b for b in flagged if nodes[b, 0, 0] <= nodes[b, 1, 0])
b1 = next(b for b in flagged if b != b0)


def converge_frozen(V0, theta, cases, gains, strategy, played, max_sweeps=80, tol=1e-10):
    """Value iteration (damped, Anderson while no case changes) with the pair's strategy held
    fixed: every other node is re-solved each sweep, the pair only evaluated. ``strategy`` and
    ``played`` are b0's; b1 gets the mirror image (agents swapped)."""
    fz_s = np.stack([strategy, strategy[::-1]])
    fz_p = np.stack([played, played[::-1]])
    full = np.ones(grid.n_nodes, bool)
    full[[b0, b1]] = False                   # no fallback search at the pair: its result is replaced
    V = ContinuationValue(grid, V0)
    accel, unchanged = AndersonAcceleration(5), 0
    for sweep in range(max_sweeps):
        res, TV = stage_sweep(solver, grid, nodes, V, DELTA, theta, cases, "continue", 0.5, sym, full,
                              True, gains)
        res.strategy[[b0, b1]] = fz_s
        res.played[[b0, b1]] = fz_p
        U = node_action_values(game, grid, nodes[[b0, b1]], fz_p, V, DELTA)
        TV[[b0, b1]] = (fz_p * U).sum(axis=-1)
        diff = float(np.max(np.abs(TV - V.values))) * (1 - DELTA)
        changed = int(np.count_nonzero(res.case != cases))
        unchanged = unchanged + 1 if changed == 0 else 0
        theta, cases, gains = res.strategy, res.case, res.residual
        if unchanged >= 2:
            new = accel.step(V.values, TV, diff)
        else:
            accel.reset()
            new = V.values + 0.5 * (TV - V.values)
        V = ContinuationValue(grid, new)
        if diff < tol and changed == 0:
            break
    # the held strategy's best-response gain against the V it was evaluated with
    regret = float((U.max(axis=-1) - (fz_s * U).sum(axis=-1)).max())
    others = int(np.count_nonzero(np.delete(res.status, [b0, b1])))
    return dict(V=V.values, theta=theta, cases=cases, gains=gains, sweeps=sweep + 1, residual=diff,
                regret=regret, others_flagged=others)
