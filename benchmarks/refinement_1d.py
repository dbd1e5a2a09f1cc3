"""Refinement on a one-dimensional belief space: does the game-level epsilon shrink with the grid?

Run:  python benchmarks/refinement_1d.py [--seeds 2000,2001] [--grids 11,41,161,321,1001]
                                         [--delta 0.95] [--budget 300]

The games are the suite's games in which agent 2 has a single type
(:func:`game_suite.random_game` with ``single_type=True``): the public belief is agent 1's
probability of its first type, a point of [0, 1], so grids of a thousand points are cheap and
refinement can be followed much further than on a square. Each game is solved with the
defaults of :func:`spbe.solve` on every grid (stopped after ``--budget`` seconds of solving)
and verified with the defaults of :func:`spbe.verify`. One line per solve: the grid's own
residual, the game-level epsilon per round (max, median, 99th percentile, share of check
beliefs above 1e-3), the Monte-Carlo value error and the time. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None) -> int:
    from game_suite import random_game, run_one

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="2000,2001", help="suite seeds of single-type games")
    ap.add_argument("--grids", default="11,41,161,321,1001", help="points per axis")
    ap.add_argument("--delta", type=float, default=0.95)
    ap.add_argument("--budget", type=float, default=300.0, help="seconds of solving per grid")
    args = ap.parse_args(argv)
    print(f"{'seed':>5} {'grid':>5} {'conv':>5} {'grid ε':>9} {'ε max':>9} {'median':>9} {'p99':>9} "
          f"{'>1e-3':>6} {'value err':>9} {'time':>6}")
    for seed in (int(s) for s in args.seeds.split(",")):
        make = lambda d, seed=seed: random_game(seed, markov=seed % 2 == 1, single_type=True, delta=d)  # noqa: E731
        for n in (int(g) for g in args.grids.split(",")):
            r = run_one(f"random-single-type-{seed}", make, args.delta, n, args.budget)
            if "epsilon_per_round" not in r:            # the solve raised: the row says why
                print(f"{seed:>5} {n:>5} {r['reason']}", flush=True)
                continue
            ve = r["value_error_per_round"]
            print(f"{seed:>5} {n:>5} {str(r['converged']):>5} {r['grid_epsilon_per_round']:9.2e} "
                  f"{r['epsilon_per_round']:9.2e} {r['median_per_round']:9.2e} {r['p99_per_round']:9.2e} "
                  f"{100 * r['share_above_1e_3']:5.0f}% {ve if ve is None else format(ve, '9.2e'):>9} "
                  f"{r['solve_s'] + r['verify_s']:5.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
