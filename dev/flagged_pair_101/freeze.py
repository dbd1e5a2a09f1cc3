"""Hold the flagged pair's strategy fixed and converge V on the rest; then re-solve the pair.

Run:  python freeze.py [ck101.npz]
"""
import time

import numpy as np

from common import DELTA, ContinuationValue, b0, ck, converge_frozen, grid, nodes, solver

t = time.perf_counter()
out = converge_frozen(ck["V"], ck["theta"], ck["cases"], ck["res_residual"], ck["res_strategy"][b0],
                      ck["res_played"][b0])
print(f"held pair {tuple(float(x) for x in nodes[b0, :, 0])}: {out['sweeps']} sweeps, residual per round "
      f"{out['residual']:.1e}, other nodes flagged {out['others_flagged']}, "
      f"{time.perf_counter() - t:.1f} s; the held strategy's gain against that V {out['regret']:.3g}")
r = solver.solve(nodes[b0:b0 + 1], ContinuationValue(grid, out["V"]),
                 DELTA, reference=ck["res_strategy"][b0:b0 + 1], first_case=ck["res_case"][b0:b0 + 1],
                 selection="continue", accept_dist=0.5)
print(f"re-solved against it: case {r.case[0]}, status {r.status[0]}, gain {r.residual[0]:.3g}")
