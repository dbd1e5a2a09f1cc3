"""The state the experiments start from: 101 x 101, δ = 0.95, sweep 23 from the default 51 x 51 solution.

Run:  python make_checkpoint.py [DIR]   (writes DIR/eq51.npz and DIR/ck101.npz; about 2 min)
"""
import sys
import time
from pathlib import Path

import spbe

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
game = spbe.examples.public_goods(delta=0.95)
t = time.perf_counter()
eq51 = spbe.solve(game, 51, delta=0.95, verify=False)
eq51.save(out / "eq51.npz")
print("51 x 51:", eq51.message, f"{time.perf_counter() - t:.1f} s", flush=True)


def stop_at_23(h):
    print(f"sweep {h['sweep']:3d} residual per round {h['residual']:.2e} case changes {h['case_changes']} "
          f"flagged {h['flagged']}", flush=True)
    return h["sweep"] < 23


spbe.solve(game, 101, delta=0.95, warm_start=eq51, schedule=None, self_loops=True, verify=False,
           callback=stop_at_23, checkpoint=out / "ck101.npz")
print("checkpoint written:", out / "ck101.npz")
