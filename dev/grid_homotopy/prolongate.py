"""Homotopy in grid resolution: solve δ=0.95 on a coarse grid, interpolate (V, θ) to a finer grid,
and continue value iteration there (issue 3: δ = 0.95 does not converge from δ-continuation
on grids finer than 11). Usage: python dev/grid_homotopy/prolongate.py 11 21 [41 ...]"""
import sys, time
import numpy as np
import spbe
from spbe.beliefs.continuation import ContinuationValue
from spbe.solvers.infinite import value_iteration
from spbe.stage.node_solver import NodeSolver
from spbe.symmetry import SymmetryMap

sizes = [int(s) for s in sys.argv[1:]] or [11, 21]
delta = 0.95
game = spbe.examples.public_goods(delta)
t0 = time.perf_counter()
eq = spbe.solve(game, grid=sizes[0], verify=False)
print(f"grid {sizes[0]}: converged={eq.converged} sweeps={eq.iterations} [{time.perf_counter()-t0:.0f}s]", flush=True)
V, theta = eq.values[0], eq.strategy_nodes[0]
prev = eq
for n in sizes[1:]:
    grid = spbe.BeliefGrid(game, n - 1)
    nodes = grid.nodes()
    V0 = prev.grid.interpolate_many(prev.values[0], nodes)
    theta0 = prev.grid.interpolate_many(prev.strategy_nodes[0], nodes)
    solver = NodeSolver(game, tol=1e-9, eta=1e-7)
    def cb(h):
        if h["sweep"] % 10 == 0 or h["phase"] != "value-iteration":
            print(f"  sweep {h['sweep']} {h['phase']} resid {h['residual']:.2e} changes {h['case_changes']} flagged {h['flagged']} [{time.perf_counter()-t0:.0f}s]", flush=True)
    out = value_iteration(game, grid, delta, solver, schedule=(), V0=V0, theta0=theta0, cases0=np.full(grid.n_nodes, -1, dtype=np.int64),
                          max_iter=int(__import__('os').environ.get('MAXIT', 300)), callback=cb,
                          symmetry=SymmetryMap(grid))
    print(f"grid {n}: converged={out['converged']} sweeps={out['sweeps']} policy_converged={out['policy_converged']} [{time.perf_counter()-t0:.0f}s]", flush=True)
    if not out["converged"]:
        break
    class P: pass
    prev = P(); prev.grid = grid; prev.values = [out["values"]]; prev.strategy_nodes = [out["result"].strategy]
