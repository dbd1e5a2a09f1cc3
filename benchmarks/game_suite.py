"""How often the default solve is an equilibrium of the game: a suite of games nobody tuned for.

Run:  python benchmarks/game_suite.py [--games 24] [--grid 21] [--deltas 0.5,0.8,0.95]
                                      [--budget 300] [--out suite.jsonl] [--table-only]

Games: ``--games`` random games with two agents, two types and two actions, rewards uniform on
[0, 1], half with static types and half with Markov types (each agent's kernel Q^i(x'|x) drawn
row by row from a flat Dirichlet, the same for every action profile), every seed fixed; four
games in which one agent has a single type (a one-dimensional belief space); and the catalog's
two-agent, two-type games (public goods, Markov public goods). Each game is solved at every δ of
``--deltas`` with the default settings of :func:`spbe.solve` on a grid of ``--grid`` points per
axis, stopped after ``--budget`` seconds of solving if it has not converged, then verified with
the defaults of :func:`spbe.verify`.

A run *reaches the goal* when the grid iteration converged and, per round and in units of the
largest reward, the game-level epsilon is at most 1e-2, its 99th percentile over the check
beliefs at most 1e-3, and the Monte-Carlo value error at most 1e-3 (``eq.success``). The table
gives, per δ, the share of runs reaching the goal, the median solve and verification times, and
every failure with its reason (not converged, largest gain, 99th percentile, value error, or the
exception raised).

Each finished run is appended to ``--out`` as one JSON line; a second call with the same file
skips the runs already there, so the suite can be interrupted and resumed. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def random_game(seed: int, markov: bool, single_type: bool = False, delta: float = 0.5):
    import spbe
    rng = np.random.default_rng(seed)
    n_types = (2, 1) if single_type else (2, 2)
    R = rng.uniform(size=(2,) + n_types + (2, 2))
    kernels = None
    if markov:
        kernels = [rng.dirichlet(np.ones(m), size=m) if m > 1 else None for m in n_types]
    types = [("a", "b")] + ([("only",)] if single_type else [("a", "b")])
    kind = "single-type" if single_type else ("markov" if markov else "static")
    return spbe.DynamicGame(R, types=types, actions=[2, 2], delta=delta, kernels=kernels,
                            name=f"random-{kind}-{seed}")


def suite(n_games: int):
    """(name, factory(delta)) of every game of the suite."""
    import spbe
    out = []
    for k in range(n_games):
        markov = k % 2 == 1
        out.append((f"random-{'markov' if markov else 'static'}-{k}",
                    lambda d, k=k, markov=markov: random_game(1000 + k, markov, delta=d)))
    for k in range(4):
        out.append((f"random-single-type-{k}",
                    lambda d, k=k: random_game(2000 + k, markov=k % 2 == 1, single_type=True, delta=d)))
    out.append(("public-goods", lambda d: spbe.examples.public_goods(d)))
    out.append(("markov-public-goods", lambda d: spbe.examples.markov_public_goods(d)))
    return out


def failure_reason(eq) -> str | None:
    if eq.success:
        return None
    if not eq.converged:
        return "not converged: " + eq.message.split(";")[0]
    v = eq.verification
    tol, scale = v["tolerances"], v["reward_scale"]
    reasons = []
    if v["epsilon_per_round"] > tol["max_gain"] * scale:
        reasons.append(f"largest gain {v['epsilon_per_round']:.2g}")
    if v["gain_per_round"]["p99"] > tol["p99_gain"] * scale:
        reasons.append(f"99th percentile {v['gain_per_round']['p99']:.2g}")
    if v["value_error_per_round"] is not None and v["value_error_per_round"] > tol["value_error"] * scale:
        reasons.append(f"value error {v['value_error_per_round']:.2g}")
    return ", ".join(reasons) or "unknown"


def run_one(name: str, make, delta: float, grid: int, budget: float) -> dict:
    import spbe
    game = make(delta)
    t0 = time.perf_counter()
    stop = lambda info: time.perf_counter() - t0 < budget          # noqa: E731
    row = dict(game=name, delta=delta, grid=grid)
    try:
        eq = spbe.solve(game, grid=grid, callback=stop)
        report = eq.verification
        row["verify_s"] = report["elapsed_s"]
        row["solve_s"] = time.perf_counter() - t0 - row["verify_s"]
        row.update(converged=bool(eq.converged), success=bool(eq.success), iterations=int(eq.iterations),
                   grid_epsilon_per_round=report["grid_epsilon_per_round"],
                   epsilon_per_round=report["epsilon_per_round"],
                   median_per_round=report["gain_per_round"]["median"],
                   p99_per_round=report["gain_per_round"]["p99"],
                   share_above_1e_3=report["gain_per_round"]["share_above_1e_3"],
                   value_error_per_round=report["value_error_per_round"],
                   where=report["where"], reason=failure_reason(eq))
    except Exception as exc:  # a failed solve is a result of the suite, recorded with its reason
        row.update(converged=False, success=False, solve_s=time.perf_counter() - t0,
                   reason=f"{type(exc).__name__}: {exc}"[:300])
    return row


def table(rows: list) -> str:
    lines = []
    for delta in sorted({r["delta"] for r in rows}):
        rs = [r for r in rows if r["delta"] == delta]
        ok = sum(r["success"] for r in rs)
        conv = sum(r.get("converged", False) for r in rs)
        solve = np.median([r["solve_s"] for r in rs])
        verify = np.median([r["verify_s"] for r in rs if "verify_s" in r] or [float("nan")])
        lines.append(f"δ = {delta}: {ok}/{len(rs)} reach the goal ({100 * ok / len(rs):.0f} %), "
                     f"{conv} converged on the grid; median solve {solve:.0f} s, verify {verify:.0f} s")
        for r in rs:
            if not r["success"]:
                lines.append(f"    {r['game']}: {r['reason']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--games", type=int, default=24, help="random two-type games (default 24)")
    ap.add_argument("--grid", type=int, default=21)
    ap.add_argument("--deltas", default="0.5,0.8,0.95")
    ap.add_argument("--budget", type=float, default=300.0, help="seconds of solving per run")
    ap.add_argument("--out", default="game_suite.jsonl")
    ap.add_argument("--only", help="comma-separated game names to run (default: all)")
    ap.add_argument("--table-only", action="store_true", help="print the table of --out and exit")
    args = ap.parse_args(argv)
    out = Path(args.out)
    done = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    if not args.table_only:
        seen = {(r["game"], r["delta"], r["grid"]) for r in done}
        only = None if args.only is None else set(args.only.split(","))
        for delta in (float(d) for d in args.deltas.split(",")):
            for name, make in suite(args.games):
                if (only is not None and name not in only) or (name, delta, args.grid) in seen:
                    continue
                row = run_one(name, make, delta, args.grid, args.budget)
                done.append(row)
                with out.open("a") as fh:
                    fh.write(json.dumps(row, default=float) + "\n")
                print(f"{name} δ={delta}: success={row['success']} "
                      f"({row.get('reason') or 'goal reached'}), solve {row['solve_s']:.0f} s",
                      flush=True)
    print(table(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
