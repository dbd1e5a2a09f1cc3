"""Command line: ``spbe examples``, ``spbe stage GAME``, ``spbe solve GAME``, ``spbe verify EQ``,
``spbe simulate EQ``, ``spbe plot EQ``, ``spbe reproduce NAME``. GAME is a catalog name or a game file
(:mod:`spbe.game_file`).

Examples
--------
List the catalog::

    spbe examples

Solve the public-goods game of thesis ch. 6 §5 on a 51 x 51 belief grid and write the result
(``equilibrium.npz``, loadable with ``spbe.load``), a JSON summary and the figures::

    spbe solve public-goods --delta 0.95 --grid 51 --out results/

Every equilibrium of the one-shot public-goods game (δ = 0) at a few beliefs::

    spbe stage public-goods --delta 0

At chosen beliefs (π_1, π_2) = (P(agent 1 is H), P(agent 2 is H))::

    spbe stage public-goods --belief 0.1,0.15 --belief 0.5,0.5
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

DEFAULT_BELIEFS = ("0.1,0.15", "0.1,0.6", "0.6,0.1", "0.5,0.5", "0.15,0.15")


def _parse_belief(text: str, game):
    """``"0.1,0.15"`` (binary types: P(first type) per agent) or ``"0.2:0.3:0.5,1:0:0"``."""
    parts = text.split(",")
    if len(parts) != game.n_agents:
        raise argparse.ArgumentTypeError(
            f"--belief {text!r}: expected {game.n_agents} comma-separated entries, one per agent")
    out = []
    for p in parts:
        values = [float(v) for v in p.split(":")]
        out.append(values[0] if len(values) == 1 else values)
    return out


def _cmd_examples(args) -> int:
    from .examples import CATALOG
    for name, (_, description) in CATALOG.items():
        print(f"{name:24s} {description}")
    return 0


def _catalog_game(args, command: str, default_delta: float):
    """The game named on the command line: a catalog name or a game file (.json/.toml).
    None, with a message, if it cannot be had."""
    from pathlib import Path

    from .examples import CATALOG
    if args.game in CATALOG:
        return CATALOG[args.game][0](delta=default_delta if args.delta is None else args.delta)
    path = Path(args.game)
    if path.suffix.lower() in (".json", ".toml") or path.is_file():
        from .game_file import GameFileError, load_game
        try:
            game = load_game(path)
        except FileNotFoundError:
            print(f"spbe {command}: no such game file {args.game!r}", file=sys.stderr)
            return None
        except GameFileError as exc:
            print(f"spbe {command}: {args.game}: {exc}", file=sys.stderr)
            return None
        if args.delta is not None:
            game = _with_delta(game, args.delta)
        return game
    print(f"spbe {command}: unknown game {args.game!r}; see `spbe examples` (or give a .json/.toml "
          f"game file)", file=sys.stderr)
    return None


def _with_delta(game, delta):
    from .game_file import game_from_dict, game_to_dict
    data = game_to_dict(game)
    data["delta"] = delta
    return game_from_dict(data)


def _cmd_stage(args) -> int:
    from .stage import stage_equilibria
    game = _catalog_game(args, "stage", 0.0)
    if game is None:
        return 2
    beliefs = args.belief or list(DEFAULT_BELIEFS)
    if game.n_agents != 2 and not args.belief:
        beliefs = [",".join(["0.5"] * game.n_agents)]
    print(f"{game!r}")
    print("Stage fixed point (6.4)/(6.17a) with no continuation value: every equilibrium found "
          "by case enumeration.\n")
    np.set_printoptions(precision=4, suppress=True)
    for text in beliefs:
        belief = _parse_belief(text, game)
        t0 = time.perf_counter()
        res = stage_equilibria(game, belief, max_unknowns=args.max_unknowns)
        elapsed = time.perf_counter() - t0
        shown = ", ".join(f"pi{i + 1}={np.round(p, 4).tolist()}" for i, p in enumerate(res.belief))
        print(f"belief {shown}: {len(res)} equilibria ({elapsed * 1e3:.0f} ms, "
              f"{res.n_cases_tried}/{res.n_cases} cases)")
        for sol in res:
            probs = "  ".join(
                f"agent {i + 1}: " + " ".join(
                    f"P(a=1|{t})={sol.strategy[i][x, -1]:.4f}" if game.n_actions[i] == 2 else
                    f"γ(·|{t})={np.round(sol.strategy[i][x], 4).tolist()}"
                    for x, t in enumerate(game.types[i]))
                for i in range(game.n_agents))
            print(f"  {sol.label:28s} {probs}   gain {sol.residual:.1e}")
        print()
    return 0


def _cmd_solve(args) -> int:
    import json
    from pathlib import Path

    from .solvers import solve
    game = _catalog_game(args, "solve", 0.95)
    if game is None:
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    checkpoint = out / "checkpoint.npz"
    resume = None
    if args.resume:
        # a solve by grid continuation leaves checkpoint.npz.level<k>[.part].npz while on coarse levels
        if not checkpoint.exists() and not list(out.glob(checkpoint.name + ".level*.npz")):
            print(f"spbe solve: --resume: no checkpoint at {checkpoint}", file=sys.stderr)
            return 2
        resume = checkpoint
        print(f"resuming from {checkpoint}", flush=True)
    print(f"{game!r}\nsolving on a {args.grid}-point grid per agent ...", flush=True)
    infinite = args.horizon is None and game.horizon is None
    # progress: one line redrawn in place on a terminal, a line every --report-every sweeps
    # otherwise (logs), nothing with --no-progress
    bar = None
    if not args.no_progress:
        from ._progress import ProgressBar
        from .solvers import DEFAULT_SCHEDULE
        bar = ProgressBar(sys.stdout, delta=game.delta, schedule=DEFAULT_SCHEDULE, max_iter=args.max_iter,
                          horizon=args.horizon or game.horizon, every=args.report_every)
    try:
        try:
            eq = solve(game, grid=args.grid, horizon=args.horizon, eta=args.eta, max_iter=args.max_iter,
                       callback=bar, checkpoint=checkpoint if infinite else None,
                       checkpoint_every=args.checkpoint_every, resume=resume)
        finally:
            if bar is not None:
                bar.close()
    except ValueError as exc:
        if resume is None:
            raise
        print(f"spbe solve: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        sep = "" if bar is not None and bar.tty else "\n"
        print(f"{sep}interrupted; `spbe solve ... --out {out} --resume` goes on from {checkpoint}"
              if checkpoint.exists() or list(out.glob(checkpoint.name + ".level*.npz"))
              else f"{sep}interrupted", file=sys.stderr)
        return 130
    if checkpoint.exists():
        checkpoint.unlink()            # finished: the checkpoint is stale
    eq.save(out / "equilibrium.npz")
    summary = dict(game=game.name, delta=eq.delta, horizon=eq.horizon, grid=args.grid,
                   converged=eq.converged, iterations=eq.iterations, residual=eq.residual,
                   stage_residual=eq.stage_residual, flagged=eq.n_flagged, **_game_level(eq),
                   message=eq.message, elapsed_s=eq.elapsed, settings=eq.settings)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    figures = []
    if game.n_agents == 2 and game.n_types == (2, 2):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from . import plot

        def write(fig, name):
            figures.append(out / name)
            fig.savefig(figures[-1], dpi=120)
            plt.close(fig)

        for x, name in enumerate(game.types[0]):
            for a in range(1, game.n_actions[0]):
                write(plot.strategy_map(eq, agent=0, type_=x, action=a),
                      f"strategy_agent1_{name}_action{game.actions[0][a]}.png")
            write(plot.value_map(eq, agent=0, type_=x), f"value_agent1_{name}.png")
        write(plot.convergence(eq), "convergence.png")
    print(eq)
    v = eq.verification
    if v:
        q = v["gain_per_round"]
        ve = v.get("value_error_per_round")
        print(f"game-level epsilon per round: max {q['max']:.3g}, median {q['median']:.3g}, "
              f"99th percentile {q['p99']:.3g}, {100 * q['share_above_1e_3']:.1f} % of check beliefs above 1e-3; "
              f"Monte-Carlo value error per round: {'not checked' if ve is None else f'{ve:.3g}'}")
        print(f"grid epsilon per round (the discretised problem's own residual): "
              f"{v['grid_epsilon_per_round']:.3g}; success: {eq.success}")
    print(f"wrote {out / 'equilibrium.npz'}, {out / 'summary.json'}" +
          "".join(f", {f.name}" for f in figures))
    return 0


def _game_level(eq) -> dict:
    """The verification's numbers for a summary: the game-level epsilon and its quantiles, the
    Monte-Carlo value error, and the grid's own residual beside them."""
    v = eq.verification
    return dict(success=eq.success, epsilon=eq.epsilon, epsilon_per_round=eq.epsilon_per_round,
                gain_per_round=v.get("gain_per_round"), value_error=v.get("value_error"),
                value_error_per_round=v.get("value_error_per_round"), grid_epsilon=v.get("grid_epsilon"),
                grid_epsilon_per_round=v.get("grid_epsilon_per_round"), verification=v.get("message"))


def _load_equilibrium(path_text: str, command: str):
    from .equilibrium import load
    try:
        return load(path_text)
    except FileNotFoundError:
        print(f"spbe {command}: no such file {path_text!r}", file=sys.stderr)
    except (ValueError, KeyError) as exc:
        print(f"spbe {command}: {path_text} is not a saved equilibrium ({exc})", file=sys.stderr)
    return None


def _cmd_verify(args) -> int:
    import json

    from .solvers.verification import verify
    eq = _load_equilibrium(args.equilibrium, "verify")
    if eq is None:
        return 2
    t0 = time.perf_counter()
    report = verify(eq, refine=args.refine, n_paths=args.paths, steps=args.steps, seed=args.seed)
    report["elapsed_s"] = time.perf_counter() - t0
    report["stored_epsilon"] = eq.epsilon
    text = json.dumps(report, indent=2, default=float)
    if args.out:
        from pathlib import Path
        Path(args.out).write_text(text)
    print(text)
    return 0


def _cmd_simulate(args) -> int:
    import json

    eq = _load_equilibrium(args.equilibrium, "simulate")
    if eq is None:
        return 2
    game = eq.game
    types = [t if t in game.types[i] or not t.isdigit() else int(t)
             for i, t in enumerate(args.types.split(","))] if args.types.count(",") + 1 == game.n_agents else []
    if len(types) != game.n_agents:
        print(f"spbe simulate: --types: expected {game.n_agents} comma-separated types, got {args.types!r}",
              file=sys.stderr)
        return 2
    belief = _parse_belief(args.belief, game) if args.belief else None
    try:
        sim = eq.simulate(types, args.steps, seed=args.seed, belief=belief)
    except ValueError as exc:
        print(f"spbe simulate: {exc}", file=sys.stderr)
        return 2
    np.set_printoptions(precision=4, suppress=True)
    for t in range(args.steps + 1):
        beliefs = "  ".join(f"π{i + 1}={np.round(sim.beliefs[t, i, :m], 4).tolist()}"
                            for i, m in enumerate(game.n_types))
        acts = "" if t == args.steps else "  actions " + ",".join(
            game.actions[i][a] for i, a in enumerate(sim.actions[t]))
        print(f"t={t:3d}  {beliefs}{acts}")
    if args.out:
        from pathlib import Path
        Path(args.out).write_text(json.dumps(dict(
            types=sim.types.tolist(), beliefs=sim.beliefs.tolist(), actions=sim.actions.tolist(),
            rewards=sim.rewards.tolist()), indent=1))
    return 0


def _parse_slice(args, game):
    """``--axes 1:H,2:H`` / ``--fixed -,-,0.3`` / ``--points N`` as keyword arguments of the maps."""
    kw = {}
    if args.axes:
        parts = args.axes.split(",")
        if len(parts) != 2 or any(p.count(":") != 1 for p in parts):
            raise ValueError(f"--axes {args.axes!r}: expected AGENT:TYPE,AGENT:TYPE (e.g. 1:H,2:H)")
        axes = []
        for p in parts:
            a, t = p.split(":")
            i = int(a) - 1
            if not 0 <= i < game.n_agents:
                raise ValueError(f"--axes {args.axes!r}: agent {a} is outside 1..{game.n_agents}")
            x = game.types[i].index(t) if t in game.types[i] else int(t)
            axes.append((i, x))
        kw["axes"] = tuple(axes)
    if args.fixed:
        parts = args.fixed.split(",")
        if len(parts) != game.n_agents:
            raise ValueError(f"--fixed {args.fixed!r}: expected {game.n_agents} comma-separated entries")
        kw["fixed"] = [None if p.strip() in ("-", "prior") else
                       (float(p) if ":" not in p else [float(v) for v in p.split(":")]) for p in parts]
    if args.points:
        kw["points"] = args.points
    return kw


def _cmd_plot(args) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path

    from . import plot
    eq = _load_equilibrium(args.equilibrium, "plot")
    if eq is None:
        return 2
    game = eq.game
    try:
        kw = _parse_slice(args, game)
        if kw or not (game.n_agents == 2 and game.n_types == (2, 2)):
            plot.belief_slice(eq, kw.get("axes"), kw.get("fixed"), kw.get("points"))  # checks them
        maps = True
    except ValueError as exc:
        if args.axes or args.fixed or args.points:
            print(f"spbe plot: {exc}", file=sys.stderr)
            return 2
        print(f"spbe plot: {exc}; writing the convergence figure only", file=sys.stderr)
        maps = False
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name):
        for fmt in args.format.split(","):
            path = out / f"{name}.{fmt}"
            fig.savefig(path, dpi=args.dpi)
            written.append(path.name)
        plt.close(fig)

    if maps:
        # two agents with two types: the belief square; otherwise a 2-D slice (--axes, --fixed)
        for i in range(game.n_agents):
            for x, tname in enumerate(game.types[i]):
                for a in range(1, game.n_actions[i]):
                    save(plot.strategy_map(eq, agent=i, type_=x, action=a, **kw),
                         f"strategy_agent{i + 1}_{tname}_action{game.actions[i][a]}")
                save(plot.value_map(eq, agent=i, type_=x, **kw), f"value_agent{i + 1}_{tname}")
            save(plot.case_map(eq, agent=i, **kw), f"kind_of_play_agent{i + 1}")
    save(plot.convergence(eq), "convergence")
    print(f"wrote {len(written)} files to {out}: " + ", ".join(written))
    return 0


def _cmd_reproduce(args) -> int:
    from . import reproduce
    if args.list or not args.name:
        for name in reproduce.names():
            try:
                rep = reproduce.get(name)
                print(f"{name:24s} {rep.description}  [{rep.source}]" + ("  (slow)" if rep.slow else ""))
            except Exception as exc:  # a broken plug-in must not hide the others
                print(f"{name:24s} (cannot be loaded: {exc})")
        return 0
    if not args.out:
        print("spbe reproduce: --out DIR is required", file=sys.stderr)
        return 2
    try:
        record = reproduce.run(args.name, args.out, quick=args.quick)
    except KeyError as exc:
        print(f"spbe reproduce: {exc.args[0]}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}/{args.name}.json ({record['elapsed_s']:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spbe", description="Structured perfect Bayesian equilibria of dynamic games (thesis ch. 6).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("examples", help="list the catalog of games",
                       description="List the games of the catalog.", epilog="example: spbe examples")
    p.set_defaults(func=_cmd_examples)
    p = sub.add_parser("stage", help="all equilibria of the stage game at some beliefs",
                       description="Solve the stage fixed point (6.4) at given beliefs by case enumeration.",
                       epilog="example: spbe stage public-goods --delta 0 --belief 0.1,0.15")
    p.add_argument("game", help="a catalog name (see `spbe examples`) or a game file (.json/.toml)")
    p.add_argument("--delta", type=float, default=None,
                   help="discount factor (default 0 for catalog games; a game file's own δ)")
    p.add_argument("--belief", action="append",
                   help="per agent P(first type), comma-separated; colon-separated vectors for "
                        "more types (repeatable)")
    p.add_argument("--max-unknowns", type=int, default=None,
                   help="skip cases with more interior unknowns (large games)")
    p.set_defaults(func=_cmd_stage)
    p = sub.add_parser("solve", help="compute an SPBE on a belief grid and write it with figures",
                       description="Solve the SPBE equations (backward recursion or the infinite-horizon "
                                   "fixed point (6.17)) on a belief grid; verify; save; plot.",
                       epilog="example: spbe solve public-goods --delta 0.95 --grid 51 --out results/")
    p.add_argument("game", help="a catalog name (see `spbe examples`) or a game file (.json/.toml)")
    p.add_argument("--delta", type=float, default=None,
                   help="discount factor (default 0.95 for catalog games; a game file's own δ)")
    p.add_argument("--grid", type=int, default=21, help="grid points per agent axis (default 21)")
    p.add_argument("--horizon", type=int, default=None, help="finite horizon T (default: infinite)")
    p.add_argument("--eta", type=float, default=1e-7, help="tremble size (0: exact thesis rule)")
    p.add_argument("--max-iter", type=int, default=500, help="value-iteration sweeps per δ of the schedule")
    p.add_argument("--report-every", type=int, default=10,
                   help="progress line every N sweeps when stdout is not a terminal (on a terminal a "
                        "progress bar with the residual is redrawn in place)")
    p.add_argument("--no-progress", action="store_true", help="no progress output during the solve")
    p.add_argument("--checkpoint-every", type=int, default=10,
                   help="write OUT/checkpoint.npz every N sweeps (a killed solve can be resumed)")
    p.add_argument("--resume", action="store_true",
                   help="go on from OUT/checkpoint.npz (same result as an uninterrupted solve)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=_cmd_solve)
    p = sub.add_parser("verify", help="recompute epsilon of a saved equilibrium",
                       description="One-shot deviation gains of a saved equilibrium against its own "
                                   "value, on a finer grid and on simulated beliefs (Theorem 4.3).",
                       epilog="example: spbe verify results/equilibrium.npz --refine 3")
    p.add_argument("equilibrium", help="an equilibrium.npz written by `spbe solve`")
    p.add_argument("--refine", type=int, default=2, help="check grid = refine x solve grid (default 2)")
    p.add_argument("--paths", type=int, default=20, help="simulated paths whose beliefs are checked")
    p.add_argument("--steps", type=int, default=15, help="steps per simulated path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write the report (JSON) here too")
    p.set_defaults(func=_cmd_verify)
    p = sub.add_parser("simulate", help="belief trajectory of a saved equilibrium",
                       description="Run the forward recursion (6.19)-(6.20) for given true types.",
                       epilog="example: spbe simulate results/equilibrium.npz --types L,H --belief 0.5,0.5")
    p.add_argument("equilibrium", help="an equilibrium.npz written by `spbe solve`")
    p.add_argument("--types", required=True, help="true type of each agent, comma-separated (names or indices)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--belief", help="initial belief, as for `spbe stage --belief` (default: the prior)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write the path (JSON) here")
    p.set_defaults(func=_cmd_simulate)
    p = sub.add_parser("plot", help="figures of a saved equilibrium",
                       description="Strategy, value and kind-of-play maps over the belief square (two "
                                   "agents with two types) or a 2-D slice of the belief space (other "
                                   "games; --axes, --fixed, --points), and the convergence history, "
                                   "of a saved equilibrium.",
                       epilog="example: spbe plot results/equilibrium.npz --out figures/ --format png,pdf")
    p.add_argument("equilibrium", help="an equilibrium.npz written by `spbe solve`")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--format", default="png", help="comma-separated formats (png, pdf, svg)")
    p.add_argument("--dpi", type=int, default=120)
    p.add_argument("--axes", help="slice: the two free coordinates as AGENT:TYPE,AGENT:TYPE (agents "
                                  "1..N, types by name), e.g. 1:H,3:H (default: the first type of "
                                  "agents 1 and 2; games other than 2 agents x 2 types)")
    p.add_argument("--fixed", help="slice: the belief held fixed, one entry per agent as for --belief "
                                   "of `spbe stage`, 'prior' (or '-', written --fixed=-,...) for an agent's prior "
                                   "(default: the prior), e.g. prior,0.5,prior")
    p.add_argument("--points", type=int, default=None,
                   help="slice: values per free coordinate (default: the grid's; more re-solve the "
                        "stage game off the grid)")
    p.set_defaults(func=_cmd_plot)
    p = sub.add_parser("reproduce", help="reproduce a named table or figure of the sources",
                       description="Run a named reproduction: writes DIR/NAME.json (its key numbers) "
                                   "and its figures. `spbe reproduce --list` names them all.",
                       epilog="example: spbe reproduce ch6-public-goods --out results/")
    p.add_argument("name", nargs="?", help="the reproduction (see --list)")
    p.add_argument("--list", action="store_true", help="list the registered reproductions")
    p.add_argument("--out", help="output directory")
    p.add_argument("--quick", action="store_true", help="a cheaper run (coarser grids, fewer seeds)")
    p.set_defaults(func=_cmd_reproduce)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
