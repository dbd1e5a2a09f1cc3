"""Newton-Broyden on the pair's case unknowns (the logits of its mixed probabilities), each
evaluation converging V with the pair held (common.converge_frozen): the root would be a grid
fixed point with the pair in its saved case.

Run:  python outer_newton.py [ck101.npz]
"""
import time

import numpy as np

from common import DELTA, ETA, ContinuationValue, b0, ck, converge_frozen, game, grid, nodes, solver
from spbe._kernels import node_solver as kernels
from spbe.stage.node_solver import kernel_context

case = int(ck["res_case"][b0])
row, at_agent, at_type = solver.cases[case], solver.at_agent, solver.at_type
n_actions, n_types = game.padded_arrays()["n_actions"], game.padded_arrays()["n_types"]
n = kernels.case_unknowns(row, at_agent, n_actions)
shape = ck["res_strategy"][b0].shape
state = dict(V=ck["V"], theta=ck["theta"], cases=ck["cases"], gains=ck["res_residual"])


def logits(g):
    z = []
    for t in range(row.shape[0]):
        acts = [a for a in range(n_actions[at_agent[t]]) if (row[t] >> a) & 1]
        z += [np.log(g[at_agent[t], at_type[t], a] / g[at_agent[t], at_type[t], acts[0]]) for a in acts[1:]]
    return np.clip(np.array(z), -40, 40)


def F(z):
    g, ge = np.zeros(shape), np.zeros(shape)
    kernels.build_gamma(z, row, at_agent, at_type, n_actions, ETA, g, ge)
    out = converge_frozen(state["V"], state["theta"], state["cases"], state["gains"], g, ge)
    state.update({k: out[k] for k in state})
    ctx = kernel_context(game, ContinuationValue(grid, out["V"]), DELTA)
    gg, gge, U, f = np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(n)
    kernels._indifference(ctx, nodes[b0], z, row, at_agent, at_type, ETA, gg, gge,
                          np.zeros((shape[0], shape[2]), bool), U, f)
    return f, kernels.regret(U, gg, n_types, n_actions), out


t = time.perf_counter()
z = logits(ck["res_strategy"][b0])
f, reg, out = F(z)
print(f"case {case} {row.tolist()}, {n} unknowns; start z {z}, indifference residuals {f}, gain {reg:.3g}")
J = np.zeros((n, n))
for j in range(n):
    zz = z.copy()
    zz[j] += 1e-3
    J[:, j] = (F(zz)[0] - f) / 1e-3
    F(z)
for it in range(12):
    step = -np.linalg.lstsq(J, f, rcond=None)[0]
    step *= min(1.0, 2.0 / np.max(np.abs(step)))
    fn, reg, out = F(z + step)
    J += np.outer((fn - f) - J @ step, step) / (step @ step)
    z, f = z + step, fn
    print(f"step {it}: z {np.round(z, 3)}, residuals {np.round(f, 4)}, gain {reg:.3g}, inner sweeps "
          f"{out['sweeps']}, {time.perf_counter() - t:.0f} s", flush=True)
