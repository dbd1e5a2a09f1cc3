"""Speed and scale of the SPBE core: numba against the uncompiled reference, same process.

Run:  python benchmarks/bench_solve.py [--quick] [--sections sweep,scan,converge,scale,compile,large,qe]

Sections (each prints a table; nothing is asserted, nothing is timed in the tests):

``sweep``     one stage sweep of the public-goods game at δ = 0.95 on grids 21, 51 and 101, at
              the same smooth continuation value V, for the compiled kernels and for the
              reference (``backend="numpy"``: the same source run by CPython, see
              ``spbe/_kernels/backends.py``). The reference is timed on a sample of the nodes
              (it is ~100x slower); the table gives µs per node for both, their ratio, and the
              largest difference of the two paths' strategies on the sample.
``scan``      a node with no stage solution (public goods, δ = 0.95, acceptance switched off so
              that nothing verifies): the whole fallback search, with the global lattice scan (10^6
              points) inside the parallel node loop, where it runs on one thread, against the
              default, deferred until after the loop and spread over all threads
              (``SCAN_PENDING``); the ratio, and whether the two results are identical.
``converge``  full solves (``spbe.solve``): sweeps to convergence, wall time, whether it converged,
              and peak memory, at δ = 0.5 and 0.95 on growing grids.
``scale``     time per sweep per node against the number of agents, types and actions.
``compile``   cold-cache compile time and warm import time, in fresh subprocesses.
``large``     infinite-horizon solves beyond two agents and two types (the performance targets of docs/design/performance-history.md): the
              3-agent threshold game on a 41^3 grid and the 2-agent, 3-type contribution game
              on a simplex lattice, each in a fresh subprocess (its own peak memory), stopped
              after ``--budget`` seconds if not converged (reported as such).
``qe``        the stage solver (δ = 0, one type per agent, ``method="auto"``, which takes the
              compiled support-enumeration path on these nondegenerate games; E1 check off)
              against QuantEcon's ``support_enumeration`` on random n x n bimatrix games
              (``pip install quantecon``): ms per game, the ratio ours / QuantEcon, and whether
              the two equilibrium sets agree.

Every row says which machine state it ran in; numbers are wall-clock on whatever this machine is.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

import spbe
from spbe.stage.node_solver import NodeSolver


def _smooth_value(grid, delta):
    """A continuation value of the right scale (per-round values as in thesis ch. 6 §5)."""
    nodes = grid.nodes()
    per_round = np.zeros((grid.n_nodes, 2, 2))
    per_round[:, :, 0] = 0.3 + 0.1 * nodes[:, ::-1, 0]          # type H: higher if the other is L
    per_round[:, :, 1] = 0.8 + 0.1 * nodes[:, ::-1, 0]
    return spbe.ContinuationValue(grid, per_round / (1 - delta))


def _time(fn, repeat=1):
    best = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def section_sweep(args):
    print("\n## one stage sweep, public goods, δ = 0.95, same V for both paths")
    print(f"{'grid':>6s} {'nodes':>7s} {'numba s':>9s} {'numba µs/node':>14s} {'numpy µs/node':>14s} "
          f"{'ratio':>7s} {'sample':>7s} {'max |Δθ|':>9s}")
    game = spbe.examples.public_goods(0.95)
    grids = (21, 51) if args.quick else (21, 51, 101)
    rng = np.random.default_rng(0)
    for n in grids:
        grid = spbe.BeliefGrid(game, n - 1)
        V = _smooth_value(grid, 0.95)
        beliefs = grid.nodes()
        fast = NodeSolver(game)
        fast.solve(beliefs[:2], V, 0.95)                       # compile / load the cache
        t_nb, res_nb = _time(lambda: fast.solve(beliefs, V, 0.95), repeat=2)
        sample = np.sort(rng.choice(grid.n_nodes, size=min(args.sample, grid.n_nodes), replace=False))
        ref = NodeSolver(game, backend="numpy")
        t_np, res_np = _time(lambda: ref.solve(beliefs[sample], V, 0.95))
        gap = float(np.max(np.abs(res_np.strategy - res_nb.strategy[sample])))
        us_nb, us_np = 1e6 * t_nb / grid.n_nodes, 1e6 * t_np / len(sample)
        print(f"{n:>6d} {grid.n_nodes:>7d} {t_nb:9.3f} {us_nb:14.1f} {us_np:14.1f} {us_np / us_nb:7.0f} "
              f"{len(sample):>7d} {gap:9.1e}", flush=True)


def section_scan(args):
    print("\n## one flagged node: global lattice scan in the node loop (1 thread) vs deferred (all threads)")
    print(f"{'belief':>14s} {'in loop s':>10s} {'deferred s':>11s} {'ratio':>6s} {'identical':>9s}")
    game = spbe.examples.public_goods(0.95)
    grid = spbe.BeliefGrid(game, 50)
    V = _smooth_value(grid, 0.95)
    solver = NodeSolver(game, eta=1e-7)
    # acceptance off (below any gain, 0 included, which the validation of the arguments does not
    # allow): the node runs every fallback pass, as a flagged node of a real solve does
    solver.tol = solver.scan_threshold = -1.0
    for pi in ((0.12, 0.44), (0.3, 0.7))[: 1 if args.quick else 2]:
        beliefs = np.array([[[pi[0], 1 - pi[0]], [pi[1], 1 - pi[1]]]])
        solver.solve(beliefs, V, 0.95, defer_scan=False)      # compile / load the cache
        t_loop, o = _time(lambda: solver.solve(beliefs, V, 0.95, defer_scan=False))
        t_def, res = _time(lambda: solver.solve(beliefs, V, 0.95))
        same = bool(np.array_equal(o.strategy, res.strategy) and np.array_equal(o.residual, res.residual))
        print(f"{str(pi):>14s} {t_loop:10.2f} {t_def:11.2f} {t_loop / t_def:6.2f} {str(same):>9s}",
              flush=True)


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def section_converge(args):
    print("\n## full solves (spbe.solve), public goods; tol 1e-8 per round")
    print(f"{'δ':>5s} {'grid':>5s} {'converged':>9s} {'sweeps':>7s} {'wall s':>8s} {'s/sweep':>8s} "
          f"{'(1-δ)·resid':>11s} {'flagged':>7s} {'peak RSS MiB':>12s}")
    runs = [(0.5, 21), (0.5, 51), (0.95, 11), (0.95, 21)]
    if not args.quick:
        runs += [(0.5, 101), (0.95, 51)]
    for delta, n in runs:
        game = spbe.examples.public_goods(delta)
        t0 = time.perf_counter()
        eq = spbe.solve(game, grid=n, verify=False, max_iter=args.max_iter)
        wall = time.perf_counter() - t0
        print(f"{delta:5g} {n:5d} {str(eq.converged):>9s} {eq.iterations:7d} {wall:8.1f} "
              f"{wall / max(eq.iterations, 1):8.2f} {eq.residual * (1 - delta):11.1e} {eq.n_flagged:7d} "
              f"{_peak_rss_mib():12.0f}", flush=True)


def section_scale(args):
    print("\n## scaling: one stage sweep at δ = 0.5 (V = 0), time per node")
    print(f"{'game':40s} {'belief grid':>14s} {'nodes':>7s} {'cases':>6s} {'sweep s':>8s} {'µs/node':>9s}")
    ex = spbe.examples
    settings = [
        ("public goods: 2 agents x 2 types x 2 actions", ex.public_goods(0.5), (20, 20)),
        ("threshold: 3 agents x 2 types x 2 actions", ex.threshold_public_goods(0.5), (10, 10, 10)),
        ("contribution: 2 agents x 3 types x 3 actions", ex.contribution_game(0.5), (6, 6)),
    ]
    if not args.quick:
        settings.insert(2, ("threshold: 3 agents, 41^3 grid", ex.threshold_public_goods(0.5), (40, 40, 40)))
    for name, game, res in settings:
        grid = spbe.BeliefGrid(game, res)
        solver = NodeSolver(game)
        V = spbe.ContinuationValue.zeros(grid)
        beliefs = grid.nodes()
        solver.solve(beliefs[:2], V, 0.5)
        t, _ = _time(lambda: solver.solve(beliefs, V, 0.5))
        shape = "x".join(str(r + 1) for r in res) if game.n_types[0] == 2 else f"simplex({res[0]})^2"
        print(f"{name:40s} {shape:>14s} {grid.n_nodes:7d} {len(solver.cases):6d} {t:8.2f} "
              f"{1e6 * t / grid.n_nodes:9.1f}", flush=True)


_COLD = """
import time; t0 = time.perf_counter()
import spbe
t1 = time.perf_counter()
eq = spbe.solve(spbe.examples.public_goods(0.5), grid=5, verify=True,
                verify_options=dict(n_paths=1, steps=2))
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def section_compile(args):
    print("\n## compilation (fresh subprocesses; NUMBA_CACHE_DIR a new temporary folder)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        rows = []
        for label in ("cold cache", "warm cache"):
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", _COLD], env=env, capture_output=True, text=True,
                                 check=True).stdout.split()
            rows.append((label, float(out[0]), float(out[1]), time.perf_counter() - t0))
    print(f"{'':12s} {'import s':>9s} {'first small solve s':>20s} {'process s':>10s}")
    for label, imp, first, total in rows:
        print(f"{label:12s} {imp:9.3f} {first:20.1f} {total:10.1f}")


def section_qe(args):
    print("\n## stage solver vs QuantEcon support_enumeration, random n x n games "
          "(δ = 0, 1 type; method='auto', E1 check off in the timing)")
    try:
        import quantecon.game_theory as qe
    except ImportError:
        print("quantecon not installed: skipped (pip install quantecon)")
        return
    print(f"{'n':>3s} {'games':>6s} {'spbe ms':>9s} {'quantecon ms':>13s} {'ratio':>7s} "
          f"{'same sets':>10s} {'method':>20s}")
    # warm both (compile / load the numba cache) once, outside the clock: the compiled code
    # does not depend on the game's size
    A, B = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]])
    spbe.stage_equilibria(spbe.DynamicGame(np.stack([A, B])[:, None, None], types=[1, 1],
                                           actions=[2, 2], delta=0.0), ([1.0], [1.0]), check_e1=False)
    qe.support_enumeration(qe.NormalFormGame((qe.Player(A), qe.Player(B.T))))
    rng = np.random.default_rng(1)
    sizes = (2, 3, 4, 10) if args.quick else (2, 3, 4, 6, 8, 10)
    for n in sizes:
        games = [(rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))) for _ in range(args.games)]
        same = 0
        t_ours = t_qe = 0.0
        methods = set()
        for A, B in games:
            R = np.stack([A, B])[:, None, None, :, :]
            g = spbe.DynamicGame(R, types=[1, 1], actions=[n, n], delta=0.0)
            nf = qe.NormalFormGame((qe.Player(A), qe.Player(B.T)))
            t0 = time.perf_counter()
            res = spbe.stage_equilibria(g, ([1.0], [1.0]), check_e1=False)
            t1 = time.perf_counter()
            theirs = qe.support_enumeration(nf)
            t2 = time.perf_counter()
            t_ours += t1 - t0
            t_qe += t2 - t1
            methods.add(res.method)
            mine = [(s.strategy[0][0], s.strategy[1][0]) for s in res]
            same += len(mine) == len(theirs) and all(
                any(np.allclose(p, q, atol=1e-8) and np.allclose(r, s, atol=1e-8) for q, s in theirs)
                for p, r in mine)
        print(f"{n:3d} {len(games):6d} {1e3 * t_ours / len(games):9.3f} {1e3 * t_qe / len(games):13.3f} "
              f"{t_ours / t_qe:7.2f} {same:>5d}/{len(games):<4d} {','.join(sorted(methods)):>20s}",
              flush=True)


_LARGE = """
import json, resource, sys, time
import spbe
name, delta, points, budget = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
game = getattr(spbe.examples, name)(delta)
t0 = time.perf_counter()
eq = spbe.solve(game, grid=points, verify=False,
                callback=lambda h: time.perf_counter() - t0 < budget)
wall = time.perf_counter() - t0
print(json.dumps(dict(converged=eq.converged, sweeps=eq.iterations, wall=wall, nodes=eq.grid.n_nodes,
                      residual=eq.residual * (1 - delta), flagged=eq.n_flagged,
                      levels=eq.settings.get("levels"), message=eq.message,
                      selection=eq.settings.get("selection_rule"),
                      rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)))
"""


def section_large(args):
    import json
    print(f"\n## infinite-horizon solves, 3 agents and 3 types (verify=False; stopped after {args.budget:g} s)")
    print(f"{'game':36s} {'δ':>5s} {'grid':>12s} {'nodes':>7s} {'converged':>9s} {'sweeps':>7s} "
          f"{'wall s':>8s} {'(1-δ)·resid':>11s} {'flagged':>7s} {'peak RSS MiB':>12s}")
    runs = [("threshold: 3 agents x 2 types x 2 actions", "threshold_public_goods", 0.9, 41, "41^3"),
            ("contribution: 2 agents x 3 types x 3", "contribution_game", 0.9, 11, "simplex(10)^2")]
    if args.quick:
        runs = [(n, g, d, {41: 11, 11: 6}[p], {41: "11^3", 11: "simplex(5)^2"}[p]) for n, g, d, p, _ in runs]
    for label, name, delta, points, shape in runs:
        out = subprocess.run([sys.executable, "-c", _LARGE, name, str(delta), str(points), str(args.budget)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{label:36s} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{label:36s} {delta:5g} {shape:>12s} {r['nodes']:7d} {str(r['converged']):>9s} {r['sweeps']:7d} "
              f"{r['wall']:8.1f} {r['residual']:11.1e} {r['flagged']:7d} {r['rss']:12.0f}", flush=True)
        print(f"{'':36s} selection {r['selection']!r} (the 'auto' rule for this case table)")
        if r["levels"]:
            print(f"{'':36s} levels {r['levels']}")
        if not r["converged"]:
            print(f"{'':36s} {r['message']}")


SECTIONS = dict(compile=section_compile, sweep=section_sweep, scan=section_scan, scale=section_scale,
                converge=section_converge, large=section_large, qe=section_qe)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grids and fewer games")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--sample", type=int, default=40, help="nodes timed on the reference path")
    parser.add_argument("--games", type=int, default=10, help="random games per size (qe)")
    parser.add_argument("--max-iter", type=int, default=300, help="sweeps per δ stage (converge)")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds per solve (large)")
    args = parser.parse_args()
    print(f"spbe {spbe.__version__}, numpy {np.__version__}, {os.cpu_count()} cores; "
          f"numba threads {os.environ.get('NUMBA_NUM_THREADS', 'default')}")
    for name in args.sections.split(","):
        SECTIONS[name.strip()](args)


if __name__ == "__main__":
    main()
