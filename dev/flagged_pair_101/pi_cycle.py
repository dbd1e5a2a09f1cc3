"""Policy iteration from the saved state: evaluate θ exactly, re-solve every node against it.

Run:  python pi_cycle.py [ck101.npz]
"""
import time

import numpy as np

from common import DELTA, ContinuationValue, ck, game, grid, nodes, solver, stage_sweep, sym
from spbe.solvers.policy_evaluation import evaluate_policy
from spbe.stage.node_solver import NodeSolution

res = NodeSolution(ck["res_strategy"], ck["res_played"], ck["res_status"], ck["res_case"],
                   ck["res_residual"], ck["res_n_found"])
theta, cases = ck["theta"], ck["cases"]
for step in range(15):
    t = time.perf_counter()
    W = ContinuationValue(grid, evaluate_policy(game, grid, res.played, DELTA))
    new, TW = stage_sweep(solver, grid, nodes, W, DELTA, theta, cases, "continue", 0.5, sym,
                          gains=res.residual)
    changed = int(np.count_nonzero(new.case != cases))
    diff = float(np.max(np.abs(TW - W.values))) * (1 - DELTA)
    print(f"step {step}: residual per round {diff:.2e}, case changes {changed}, "
          f"flagged {int(np.count_nonzero(new.status))}, {time.perf_counter() - t:.1f} s", flush=True)
    res, theta, cases = new, new.strategy, new.case
