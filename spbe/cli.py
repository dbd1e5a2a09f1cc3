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

#: Figure formats ``spbe plot --format`` writes (those matplotlib writes without extra packages).
FORMATS = ("png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")


class UsageError(ValueError):
    """A bad command-line value; the message names the option."""


def _show(text, limit: int = 60) -> str:
    """A user's text quoted in a message, cut to ``limit`` characters."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option}: {_show(text)} is not a number") from None
    if not np.isfinite(value):
        raise UsageError(f"{option}: {_show(text)} is not a finite number")
    return value


def _parse_belief(text: str, game, option: str = "--belief"):
    """``"0.1,0.15"`` (binary types: P(first type) per agent) or ``"0.2:0.3:0.5,1:0:0"``;
    checked against the game (one entry per agent, probability vectors)."""
    parts = text.split(",")
    if len(parts) != game.n_agents:
        raise UsageError(f"{option} {_show(text)}: expected {game.n_agents} comma-separated entries, "
                         f"one per agent")
    out = []
    for i, p in enumerate(parts):
        values = [_number(v, f"{option} {_show(text)}") for v in p.split(":")]
        if len(values) == 1 and game.n_types[i] != 2:
            raise UsageError(f"{option} {_show(text)}: agent {i + 1} has {game.n_types[i]} types; give "
                             f"its belief as {game.n_types[i]} colon-separated probabilities")
        out.append(values[0] if len(values) == 1 else values)
    from ._validation import GameValidationError
    try:
        game.normalize_belief(out)
    except GameValidationError as exc:
        raise UsageError(f"{option} {_show(text)}: {exc}") from None
    return out


def _int_type(lo=None, hi=None):
    """argparse ``type=``: an integer in [lo, hi]; the message names the option (argparse adds it)."""
    def parse(text):
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {_show(text)}") from None
        if lo is not None and value < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo}, got {value}")
        if hi is not None and value > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi:,}, got {value:,}")
        return value
    parse.__name__ = "integer"
    return parse


def _float_type(lo=None, hi=None, hi_open=False, lo_open=False):
    """argparse ``type=``: a finite number in the given range."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {_show(text)}") from None
        rng = (("(" if lo_open else "[") + ("-inf" if lo is None else f"{lo:g}") + ", "
               + ("inf" if hi is None else f"{hi:g}") + (")" if hi_open else "]"))
        if not np.isfinite(value) or (lo is not None and (value < lo or lo_open and value == lo)) or (
                hi is not None and (value > hi or hi_open and value == hi)):
            raise argparse.ArgumentTypeError(f"must lie in {rng}, got {_show(text)}")
        return value
    parse.__name__ = "number"
    return parse


def _formats_type(text):
    formats = [f.strip().lower() for f in text.split(",")]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise argparse.ArgumentTypeError(f"unknown format {_show(bad[0] if bad else text)}; "
                                         f"choose from {', '.join(FORMATS)}")
    return ",".join(dict.fromkeys(formats))


def _out_dir(path_text: str, option: str = "--out"):
    """An output directory: created if missing; an existing file is refused."""
    from pathlib import Path
    out = Path(path_text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {_show(path_text)}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _out_file(path_text, option: str = "--out"):
    """An output file: its directory must exist; an existing directory is refused."""
    from pathlib import Path
    if path_text is None:
        return None
    out = Path(path_text)
    if out.is_dir():
        raise UsageError(f"{option} {_show(path_text)}: is a directory; give a file name")
    if not out.parent.is_dir():
        raise UsageError(f"{option} {_show(path_text)}: the directory {_show(str(out.parent))} does not exist")
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
            print(f"spbe {command}: no such game file {_show(args.game)}", file=sys.stderr)
            return None
        except (GameFileError, OSError) as exc:
            print(f"spbe {command}: {_show(args.game)}: {_one_line(exc)}", file=sys.stderr)
            return None
        if args.delta is not None:
            game = _with_delta(game, args.delta)
        return game
    print(f"spbe {command}: unknown game {_show(args.game)}; see `spbe examples` (or give a .json/.toml "
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
    if args.belief:
        beliefs = [_parse_belief(text, game) for text in args.belief]     # all checked before solving
    elif game.n_agents == 2 and game.n_types == (2, 2):
        beliefs = [_parse_belief(text, game) for text in DEFAULT_BELIEFS]
    else:
        beliefs = [[np.asarray(p).tolist() for p in game.prior]]          # other games: the prior
    from ._limits import check_cases
    check_cases(game.n_types, game.n_actions, args.max_unknowns, "game")
    print(f"{game!r}")
    print("Stage fixed point (6.4)/(6.17a) with no continuation value: every equilibrium found "
          "by case enumeration.\n")
    np.set_printoptions(precision=4, suppress=True)
    for belief in beliefs:
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

    from .solvers import solve
    game = _catalog_game(args, "solve", 0.95)
    if game is None:
        return 2
    _check_solve_size(game, args)            # the size guards before anything is written
    out = _out_dir(args.out)

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
                       resume=resume, options=dict(checkpoint_every=args.checkpoint_every))
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
        from ._file_checks import safe_file_name

        def write(fig, name):
            figures.append(out / name)
            fig.savefig(figures[-1], dpi=120)
            plt.close(fig)

        for x, name in enumerate(game.types[0]):
            for a in range(1, game.n_actions[0]):
                write(plot.strategy_map(eq, agent=0, type_=x, action=a),
                      f"strategy_agent1_{safe_file_name(name)}_action{safe_file_name(game.actions[0][a])}.png")
            write(plot.value_map(eq, agent=0, type_=x), f"value_agent1_{safe_file_name(name)}.png")
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


def _check_solve_size(game, args) -> None:
    """The size guards of ``spbe.solve`` (cases per node, grid nodes, memory), before the output
    directory is made."""
    from ._limits import (check_cases, check_grid, check_memory, grid_node_count,
                          solve_memory_estimate)
    resolution = (args.grid - 1,) * game.n_agents
    horizon = args.horizon or game.horizon
    n_cases = check_cases(game.n_types, game.n_actions, None, "game")
    check_grid(game.n_types, resolution, f"--grid {args.grid}")
    check_memory(solve_memory_estimate(game.n_types, game.n_actions, grid_node_count(game.n_types, resolution),
                                       1 if horizon is None else horizon + 1, n_cases),
                 f"--grid {args.grid}" + ("" if horizon is None else f" with horizon {horizon}"))


def _load_equilibrium(path_text: str, command: str):
    from .equilibrium import load
    try:
        return load(path_text)
    except FileNotFoundError:
        print(f"spbe {command}: no such file {_show(path_text)}", file=sys.stderr)
    except (ValueError, KeyError, OSError) as exc:
        print(f"spbe {command}: {_show(path_text)} is not a saved equilibrium ({_one_line(exc)})",
              file=sys.stderr)
    return None


def _cmd_verify(args) -> int:
    import json

    from .solvers.verification import verify
    out_file = _out_file(args.out)
    eq = _load_equilibrium(args.equilibrium, "verify")
    if eq is None:
        return 2
    from ._limits import check_grid
    check_grid(eq.game.n_types, tuple(args.refine * r for r in eq.grid.resolution),
               f"--refine {args.refine} (check grid)")
    t0 = time.perf_counter()
    report = verify(eq, refine=args.refine, n_paths=args.paths, steps=args.steps, seed=args.seed,
                    monte_carlo=not args.no_monte_carlo)
    report["elapsed_s"] = time.perf_counter() - t0
    report["stored_epsilon"] = eq.epsilon
    text = json.dumps(report, indent=2, default=float)
    if out_file is not None:
        out_file.write_text(text)
    print(text)
    return 0


def _cmd_simulate(args) -> int:
    import json

    out_file = _out_file(args.out)
    eq = _load_equilibrium(args.equilibrium, "simulate")
    if eq is None:
        return 2
    game = eq.game
    parts = args.types.split(",")
    if len(parts) != game.n_agents:
        raise UsageError(f"--types {_show(args.types)}: expected {game.n_agents} comma-separated types")
    types = []
    for i, t in enumerate(parts):
        if t in game.types[i]:
            types.append(t)
        elif t.isdigit() and int(t) < game.n_types[i]:
            types.append(int(t))
        else:
            raise UsageError(f"--types {_show(args.types)}: {_show(t)} is not a type of agent {i + 1} "
                             f"(names {', '.join(game.types[i])} or indices 0..{game.n_types[i] - 1})")
    if eq.horizon is not None and args.steps > eq.horizon:
        raise UsageError(f"--steps {args.steps}: at most the horizon ({eq.horizon}) of this equilibrium")
    belief = _parse_belief(args.belief, game) if args.belief else None
    sim = eq.simulate(types, args.steps, seed=args.seed, belief=belief)
    np.set_printoptions(precision=4, suppress=True)
    for t in range(args.steps + 1):
        beliefs = "  ".join(f"π{i + 1}={np.round(sim.beliefs[t, i, :m], 4).tolist()}"
                            for i, m in enumerate(game.n_types))
        acts = "" if t == args.steps else "  actions " + ",".join(
            game.actions[i][a] for i, a in enumerate(sim.actions[t]))
        print(f"t={t:3d}  {beliefs}{acts}")
    if out_file is not None:
        out_file.write_text(json.dumps(dict(
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
            i = int(a) - 1 if a.isdigit() else -1
            if not 0 <= i < game.n_agents:
                raise ValueError(f"--axes {_show(args.axes)}: agent {a[:20]} is outside 1..{game.n_agents}")
            if t in game.types[i]:
                x = game.types[i].index(t)
            elif t.isdigit() and int(t) < game.n_types[i]:
                x = int(t)
            else:
                raise ValueError(f"--axes {_show(args.axes)}: {_show(t)} is not a type of agent {i + 1} "
                                 f"({', '.join(game.types[i])})")
            axes.append((i, x))
        kw["axes"] = tuple(axes)
    if args.fixed:
        parts = args.fixed.split(",")
        if len(parts) != game.n_agents:
            raise ValueError(f"--fixed {args.fixed!r}: expected {game.n_agents} comma-separated entries")
        opt = f"--fixed {_show(args.fixed)}"
        kw["fixed"] = [None if p.strip() in ("-", "prior") else
                       (_number(p, opt) if ":" not in p else [_number(v, opt) for v in p.split(":")])
                       for p in parts]
    if args.points:
        kw["points"] = args.points
    return kw


def _cmd_plot(args) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path

    from . import plot
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out {_show(args.out)}: exists and is not a directory")
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
    out = _out_dir(args.out)
    written = []
    from ._file_checks import safe_file_name

    def save(fig, name):
        for fmt in args.format.split(","):
            path = out / f"{safe_file_name(name, 120)}.{fmt}"
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


class _Parser(argparse.ArgumentParser):
    """argparse with errors as one line (``spbe solve: argument --grid: must be ...``), status 2."""

    def error(self, message):
        print(f"{self.prog}: {_one_line(message)}", file=sys.stderr)
        sys.exit(2)


def _one_line(exc) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def _common(limits: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the Python traceback of an error")
    if limits:
        g = p.add_argument_group("size guards (refuse work that cannot finish; see README)")
        g.add_argument("--max-cases", type=_int_type(1), default=None,
                       help="cases of the stage enumeration per belief (default 1,000,000)")
        g.add_argument("--max-nodes", type=_int_type(1), default=None,
                       help="nodes of a belief grid (default 2,000,000)")
        g.add_argument("--max-memory", type=_float_type(0, None, lo_open=True), default=None,
                       metavar="GIB", help="memory of the arrays of a solve in GiB (default 8)")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spbe", description="Structured perfect Bayesian equilibria of dynamic games (thesis ch. 6).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"spbe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common, plain = _common(), _common(limits=False)
    p = sub.add_parser("examples", parents=[plain], help="list the catalog of games",
                       description="List the games of the catalog.", epilog="example: spbe examples")
    p.set_defaults(func=_cmd_examples)
    p = sub.add_parser("stage", parents=[common], help="all equilibria of the stage game at some beliefs",
                       description="Solve the stage fixed point (6.4) at given beliefs by case enumeration.",
                       epilog="example: spbe stage public-goods --delta 0 --belief 0.1,0.15")
    p.add_argument("game", help="a catalog name (see `spbe examples`) or a game file (.json/.toml)")
    p.add_argument("--delta", type=_float_type(0, 1, hi_open=True), default=None,
                   help="discount factor in [0, 1) (default 0 for catalog games; a game file's own δ)")
    p.add_argument("--belief", action="append",
                   help="per agent P(first type), comma-separated; colon-separated vectors for "
                        "more types (repeatable)")
    p.add_argument("--max-unknowns", type=_int_type(0), default=None,
                   help="skip cases with more interior unknowns (large games)")
    p.set_defaults(func=_cmd_stage)
    p = sub.add_parser("solve", parents=[common], help="compute an SPBE on a belief grid and write it with figures",
                       description="Solve the SPBE equations (backward recursion or the infinite-horizon "
                                   "fixed point (6.17)) on a belief grid; verify; save; plot.",
                       epilog="example: spbe solve public-goods --delta 0.95 --grid 51 --out results/")
    p.add_argument("game", help="a catalog name (see `spbe examples`) or a game file (.json/.toml)")
    p.add_argument("--delta", type=_float_type(0, 1, hi_open=True), default=None,
                   help="discount factor in [0, 1) (default 0.95 for catalog games; a game file's own δ)")
    p.add_argument("--grid", type=_int_type(2), default=21, help="grid points per agent axis, at least 2 "
                                                                 "(default 21)")
    p.add_argument("--horizon", type=_int_type(1), default=None, help="finite horizon T (default: infinite)")
    p.add_argument("--eta", type=_float_type(0, 1, hi_open=True), default=1e-7,
                   help="tremble size in [0, 1/K) (0: exact thesis rule)")
    p.add_argument("--max-iter", type=_int_type(1), default=500,
                   help="value-iteration sweeps per δ of the schedule")
    p.add_argument("--report-every", type=_int_type(1), default=10,
                   help="progress line every N sweeps when stdout is not a terminal (on a terminal a "
                        "progress bar with the residual is redrawn in place)")
    p.add_argument("--no-progress", action="store_true", help="no progress output during the solve")
    p.add_argument("--checkpoint-every", type=_int_type(1), default=10,
                   help="write OUT/checkpoint.npz every N sweeps (a killed solve can be resumed)")
    p.add_argument("--resume", action="store_true",
                   help="go on from OUT/checkpoint.npz (same result as an uninterrupted solve)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=_cmd_solve)
    p = sub.add_parser("verify", parents=[common], help="recompute epsilon of a saved equilibrium",
                       description="How far a saved equilibrium is from an equilibrium of the game: "
                                   "one-shot deviation gains of the strategy as played on a finer grid "
                                   "and on simulated beliefs, against the value of that strategy there, "
                                   "and Monte-Carlo returns of the strategy (Theorem 4.3; notes 2.8).",
                       epilog="example: spbe verify results/equilibrium.npz --refine 3")
    p.add_argument("equilibrium", help="an equilibrium.npz written by `spbe solve`")
    p.add_argument("--refine", type=_int_type(2, 100), default=2,
                   help="check grid = refine x solve grid (default 2)")
    p.add_argument("--paths", type=_int_type(0, 100_000), default=20,
                   help="simulated paths whose beliefs are checked")
    p.add_argument("--steps", type=_int_type(1, 100_000), default=15, help="steps per simulated path")
    p.add_argument("--no-monte-carlo", action="store_true",
                   help="skip the Monte-Carlo returns of the strategy (value error, simulated gains)")
    p.add_argument("--seed", type=_int_type(0), default=0)
    p.add_argument("--out", help="write the report (JSON) here too")
    p.set_defaults(func=_cmd_verify)
    p = sub.add_parser("simulate", parents=[common], help="belief trajectory of a saved equilibrium",
                       description="Run the forward recursion (6.19)-(6.20) for given true types.",
                       epilog="example: spbe simulate results/equilibrium.npz --types L,H --belief 0.5,0.5")
    p.add_argument("equilibrium", help="an equilibrium.npz written by `spbe solve`")
    p.add_argument("--types", required=True, help="true type of each agent, comma-separated (names or indices)")
    p.add_argument("--steps", type=_int_type(1, 1_000_000), default=10)
    p.add_argument("--belief", help="initial belief, as for `spbe stage --belief` (default: the prior)")
    p.add_argument("--seed", type=_int_type(0), default=0)
    p.add_argument("--out", help="write the path (JSON) here")
    p.set_defaults(func=_cmd_simulate)
    p = sub.add_parser("plot", parents=[common], help="figures of a saved equilibrium",
                       description="Strategy, value and kind-of-play maps over the belief square (two "
                                   "agents with two types) or a 2-D slice of the belief space (other "
                                   "games; --axes, --fixed, --points), and the convergence history, "
                                   "of a saved equilibrium.",
                       epilog="example: spbe plot results/equilibrium.npz --out figures/ --format png,pdf")
    p.add_argument("equilibrium", help="an equilibrium.npz written by `spbe solve`")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--format", type=_formats_type, default="png",
                   help=f"comma-separated formats ({', '.join(FORMATS)})")
    p.add_argument("--dpi", type=_int_type(1, 1200), default=120, help="resolution of raster formats")
    p.add_argument("--axes", help="slice: the two free coordinates as AGENT:TYPE,AGENT:TYPE (agents "
                                  "1..N, types by name), e.g. 1:H,3:H (default: the first type of "
                                  "agents 1 and 2; games other than 2 agents x 2 types)")
    p.add_argument("--fixed", help="slice: the belief held fixed, one entry per agent as for --belief "
                                   "of `spbe stage`, 'prior' (or '-', written --fixed=-,...) for an agent's prior "
                                   "(default: the prior), e.g. prior,0.5,prior")
    p.add_argument("--points", type=_int_type(2, 401), default=None,
                   help="slice: values per free coordinate (default: the grid's; more re-solve the "
                        "stage game off the grid)")
    p.set_defaults(func=_cmd_plot)
    p = sub.add_parser("reproduce", parents=[plain], help="reproduce a named table or figure of the sources",
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
    """Run a command. Bad input, from the command line or from a file, ends with one line on
    stderr naming the argument or the file, and status 2; ``--debug`` shows the traceback."""
    args = build_parser().parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    command = f"spbe {args.command}"
    from ._limits import limits
    try:
        max_memory = getattr(args, "max_memory", None)
        with limits(max_cases=getattr(args, "max_cases", None), max_nodes=getattr(args, "max_nodes", None),
                    max_memory=None if max_memory is None else int(max_memory * 2 ** 30)):
            if args.command == "examples":
                return args.func(args)
            from ._progress import compile_notice
            with compile_notice(sys.stdout):      # the first run compiles the kernels: say so
                return args.func(args)
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, LookupError, OSError, MemoryError) as exc:
        # user errors: bad values, files that are missing, unreadable or malformed, too large
        if debug:
            raise
        if isinstance(exc, MemoryError):
            message = "not enough memory (lower --grid, or the size guards --max-memory/--max-nodes)"
        elif isinstance(exc, KeyError):
            message = _one_line(exc.args[0] if exc.args else exc)
        elif isinstance(exc, OSError) and exc.filename is not None:
            message = f"{_show(exc.filename, 120)}: {exc.strerror or _one_line(exc)}"
        else:
            message = _one_line(exc)
        print(f"{command}: {message}", file=sys.stderr)
        return 2
    except Exception as exc:                          # a defect, not the user's input
        if debug:
            raise
        print(f"{command}: internal error ({type(exc).__name__}: {_one_line(exc)}); run again with "
              f"--debug for the traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
