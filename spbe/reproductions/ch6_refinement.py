"""Reproduction ``ch6-refinement``: how far the public-goods solution is from an equilibrium of the
game, as the belief grid is refined (thesis ch. 6 §5; notes §2.8).

The public-goods game of ch. 6 §5 is solved with the default settings of :func:`spbe.solve` on
grids of 11, 21, 41 and 51 points per axis at δ = 0.5 and 0.95, and every solution is verified
by :func:`spbe.verify`: one-shot deviation gains at every belief of a grid twice as fine (and at
beliefs visited by simulation) against the value of the strategy as played there, and
Monte-Carlo returns of the strategy from sampled beliefs. Per grid and δ the numbers are: the
grid's own residual (``grid_epsilon``: what the fixed point of the discretised problem
achieves), the game-level epsilon with its median and 99th percentile over the check beliefs and
the share of check beliefs where a deviation gains more than 1e-3 per round, the Monte-Carlo
value error, and the wall times. If the method converged to an equilibrium of the game as the
grid is refined, the game-level numbers would fall with the grid spacing; the figure
``refinement.png`` shows whether they do. ``quick=True``: grids 6 and 11.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..reproduce import Reproduction

DELTAS = (0.5, 0.95)
GRIDS = (11, 21, 41, 51)
QUICK_GRIDS = (6, 11)


def _row(eq, solve_s: float) -> dict:
    v = eq.verification
    q = v["gain_per_round"]
    mc = v.get("monte_carlo", {})
    return dict(grid=eq.grid.resolution[0] + 1, converged=bool(eq.converged), iterations=int(eq.iterations),
                success=bool(eq.success), grid_epsilon_per_round=float(v["grid_epsilon_per_round"]),
                epsilon_per_round=float(v["epsilon_per_round"]), median_per_round=q["median"],
                p99_per_round=q["p99"], share_above_1e_3=q["share_above_1e_3"],
                value_error_per_round=v.get("value_error_per_round"),
                mc_max_se_per_round=mc.get("max_se_per_round"),
                value_gap_per_round=float((1 - eq.delta) * v["value_gap"]),
                check_beliefs=int(v["n_beliefs"]), solve_s=solve_s,
                verify_s=float(v["elapsed_s"]), message=eq.message)


def run(out_dir: Path, quick: bool = False) -> dict:
    import spbe

    grids = QUICK_GRIDS if quick else GRIDS
    rows = {}
    for delta in DELTAS:
        game = spbe.examples.public_goods(delta=delta)
        rows[str(delta)] = []
        for n in grids:
            eq = spbe.solve(game, grid=n)
            rows[str(delta)].append(_row(eq, eq.elapsed - eq.verification["elapsed_s"]))
    _figure(rows, Path(out_dir) / "refinement.png")
    trend = {d: dict(median_falls=bool(np.all(np.diff([r["median_per_round"] for r in rs]) < 0)),
                     max_falls=bool(np.all(np.diff([r["epsilon_per_round"] for r in rs]) < 0)))
             for d, rs in rows.items()}
    return dict(quick=quick, grids=list(grids), deltas=list(DELTAS), rows=rows, trend=trend)


def _figure(rows: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(rows), figsize=(5.2 * len(rows), 4.0), squeeze=False)
    floor = 1e-12
    for ax, (delta, rs) in zip(axes[0], rows.items()):
        n = [r["grid"] for r in rs]
        for key, label, style in (("epsilon_per_round", "game: largest gain", "o-"),
                                  ("p99_per_round", "game: 99th percentile", "s-"),
                                  ("median_per_round", "game: median", "^-"),
                                  ("grid_epsilon_per_round", "grid's own residual", "x--")):
            ax.plot(n, [max(r[key], floor) for r in rs], style, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("grid points per axis")
        ax.set_ylabel("one-shot deviation gain per round")
        ax.set_title(f"public goods, δ = {delta}")
        ax.axhline(1e-3, color="grey", lw=0.6, ls=":")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


REPRODUCTION = Reproduction(
    name="ch6-refinement",
    description="game-level epsilon, grid epsilon and Monte-Carlo value error of the public-goods "
                "SPBE on grids of 11-51 points per axis, δ = 0.5 and 0.95",
    source="thesis ch. 6 §5 (public goods); implementation notes §2.8 (verification)",
    run=run,
    slow=True,
)
