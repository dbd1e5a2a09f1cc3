"""Stage solve per belief point: numba kernels against the pure-numpy reference, same process.

Run:  python benchmarks/bench_stage.py [--beliefs 20] [--grid 21]

Prints, per setting, the mean wall time of ``spbe.stage_equilibria`` over a set of beliefs for
both backends (after a warm-up call that compiles or loads the numba cache), their ratio, and
the mean number of action-value evaluations per belief.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import spbe


def timed(game, beliefs, V, backend):
    spbe.stage_equilibria(game, beliefs[0], V, backend=backend, check_e1=False)   # warm-up
    t0 = time.perf_counter()
    evals = 0
    for b in beliefs:
        evals += spbe.stage_equilibria(game, b, V, backend=backend, check_e1=False).n_evaluations
    return (time.perf_counter() - t0) / len(beliefs), evals / len(beliefs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beliefs", type=int, default=10)
    parser.add_argument("--grid", type=int, default=21)
    parser.add_argument("--skip-numpy", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    beliefs = [tuple(rng.uniform(0.02, 0.98, 2)) for _ in range(args.beliefs)]
    rows = []
    g0 = spbe.examples.public_goods(0.0)
    rows.append(("public goods, delta=0, no V", g0, None))
    g = spbe.examples.public_goods(0.95)
    grid = spbe.BeliefGrid(g, args.grid - 1)
    # a smooth continuation value of the right scale (per-round value in [0, 1], times 1/(1-δ))
    nodes = grid.nodes()
    vals = np.stack([0.8 + 0.1 * nodes[:, 1::-1, 0], 0.3 + 0.1 * nodes[:, 1::-1, 0]], axis=-1) / 0.05
    rows.append((f"public goods, delta=0.95, V on {args.grid}x{args.grid}", g,
                 spbe.ContinuationValue(grid, vals)))
    print(f"{'setting':44s} {'numba ms':>9s} {'numpy ms':>9s} {'ratio':>7s} {'evals':>7s}")
    for name, game, V in rows:
        t_nb, ev = timed(game, beliefs, V, "numba")
        if args.skip_numpy:
            print(f"{name:44s} {t_nb * 1e3:9.1f} {'-':>9s} {'-':>7s} {ev:7.0f}")
            continue
        t_np, _ = timed(game, beliefs[: max(2, len(beliefs) // 5)], V, "numpy")
        print(f"{name:44s} {t_nb * 1e3:9.1f} {t_np * 1e3:9.1f} {t_np / t_nb:7.1f} {ev:7.0f}")


if __name__ == "__main__":
    main()
