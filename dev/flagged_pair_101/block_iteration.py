"""Block iteration: hold the pair, converge V on the rest, re-solve the pair against that V
(the full stage solver), hold the new strategy, and so on.

Run:  python block_iteration.py [ck101.npz]
"""
import time

import numpy as np

from common import DELTA, ContinuationValue, b0, ck, converge_frozen, grid, nodes, solver

state = dict(V=ck["V"], theta=ck["theta"], cases=ck["cases"], gains=ck["res_residual"])
g, ge, case = ck["res_strategy"][b0], ck["res_played"][b0], int(ck["res_case"][b0])
t = time.perf_counter()
for k in range(2):
    out = converge_frozen(state["V"], state["theta"], state["cases"], state["gains"], g, ge)
    state.update({key: out[key] for key in state})
    r = solver.solve(nodes[b0:b0 + 1], ContinuationValue(grid, out["V"]), DELTA, reference=g[None],
                     first_case=np.array([case]), selection="continue", accept_dist=0.5)
    print(f"round {k}: {out['sweeps']} sweeps, residual per round {out['residual']:.1e}, held gain "
          f"{out['regret']:.3g}, other nodes flagged {out['others_flagged']}; re-solved: case "
          f"{r.case[0]}, gain {r.residual[0]:.3g}; {time.perf_counter() - t:.0f} s", flush=True)
    g, ge, case = r.strategy[0], r.played[0], int(r.case[0])
