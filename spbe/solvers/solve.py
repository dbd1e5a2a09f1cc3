"""``spbe.solve``: the one entry point for computing an SPBE on a belief grid."""
from __future__ import annotations

import functools
import inspect
import os
import time
from types import MappingProxyType
from typing import Callable, Mapping, Optional, Sequence, Union

import numpy as np

from .._kernels.backends import check_backend
from .._file_checks import FileCheckError, check_checkpoint, describe_mismatch, game_fingerprint
from .._limits import check_cases, check_grid, check_memory, grid_node_count, solve_memory_estimate
from .._validation import GameValidationError, check_discount, check_int, check_real, short_repr
from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from ..equilibrium import Equilibrium
from ..game import DynamicGame
from ..stage.node_solver import NodeSolver
from ..stage.supports import case_label
from ..symmetry import SymmetryMap, is_exchange_symmetric
from .backward import backward_recursion
from .infinite import value_iteration
from .verification import verify as _verify

__all__ = ["solve", "DEFAULT_OPTIONS", "DEFAULT_SCHEDULE"]

#: δ-continuation used by default: every entry below the target δ is solved first (notes §2.6 (a)).
DEFAULT_SCHEDULE = (0.0, 0.5, 0.8, 0.9)

#: The method-specific options of :func:`spbe.solve` (its ``options=`` mapping) and their
#: defaults; a key left out of ``options`` takes its value from here. Each option is described
#: under ``options`` in :func:`spbe.solve`. Read-only: ``dict(DEFAULT_OPTIONS)`` is a copy to edit.
DEFAULT_OPTIONS = MappingProxyType(dict(
    selection="auto", accept_dist=0.5, schedule=DEFAULT_SCHEDULE, damping=None, anderson=5,
    policy_iterations=50, stage_tol=1e-9, n_starts=4, max_unknowns=None, symmetry="auto",
    grid_continuation="auto", scan_threshold=1e-6, flagged_refresh=1, self_loops=False,
    checkpoint_every=10))


def _opt(key: str) -> str:
    """How an error message names an option: ``options['damping']``."""
    return f"options[{key!r}]"


def _resolve_options(options) -> dict:
    """``options=`` merged over :data:`DEFAULT_OPTIONS`; an unknown key is refused by name."""
    if options is None:
        return dict(DEFAULT_OPTIONS)
    if not isinstance(options, Mapping):
        raise GameValidationError(f"options: expected a dict of solver options, got {short_repr(options)}")
    for key in options:
        if key not in DEFAULT_OPTIONS:
            hint = ""
            if isinstance(key, str) and key in _ARGUMENTS:
                hint = f" ({key!r} is an argument of spbe.solve: pass solve(..., {key}=...))"
            raise ValueError(f"options: unknown key {short_repr(key)}{hint}; "
                             f"known: {sorted(DEFAULT_OPTIONS)}")
    return {**DEFAULT_OPTIONS, **options}


def _options_not_keywords(func):
    """Refuse the method-specific options given as keyword arguments of :func:`solve`, with a
    message that says where they go (``options={...}``)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        moved = [k for k in kwargs if k in DEFAULT_OPTIONS]
        if moved:
            given = ", ".join(f"{k!r}: {short_repr(kwargs[k])}" for k in moved)
            what = "is a solver option" if len(moved) == 1 else "are solver options"
            raise TypeError(f"solve: {', '.join(moved)} {what}, not a keyword argument; pass "
                            f"options={{{given}}} (the options and their defaults: "
                            f"spbe.solvers.DEFAULT_OPTIONS)")
        return func(*args, **kwargs)
    return wrapper


def _grid_points(grid, n_agents: int) -> tuple:
    """``grid=`` as points per axis: one integer ≥ 2, or one per agent."""
    if isinstance(grid, (list, tuple, np.ndarray)) and not (isinstance(grid, np.ndarray) and grid.ndim == 0):
        if len(grid) == 1:
            grid = list(grid) * n_agents
        if len(grid) != n_agents:
            raise GameValidationError(f"grid: expected one point count per agent ({n_agents}), got "
                                      f"{short_repr(grid)}")
        return tuple(check_int(g, f"grid[{i}]", minimum=2) for i, g in enumerate(grid))
    if isinstance(grid, np.ndarray):
        grid = grid.item()
    return (check_int(grid, "grid (points per axis)", minimum=2),) * n_agents


_SELECTIONS = ("auto", "continue", "continue-first", "nearest", "first")


def _check_options(game, call: dict, opts: dict) -> None:
    """Types and ranges of the arguments and the options (integers where integers are meant, no
    booleans or strings as numbers); each error names the argument or the option."""
    c, o = call, opts
    check_real(c["eta"], "eta", 0, 1.0 / max(game.n_actions), max_open=True)
    check_real(c["tol"], "tol", 0, None, min_open=True)
    check_int(c["max_iter"], "max_iter", minimum=1)
    if not isinstance(c["verify"], (bool, np.bool_)):
        raise GameValidationError(f"verify: must be True or False, got {short_repr(c['verify'])}")
    if c["verify_options"] is not None and not isinstance(c["verify_options"], dict):
        raise GameValidationError(f"verify_options: expected a dict, got {short_repr(c['verify_options'])}")
    if c["callback"] is not None and not callable(c["callback"]):
        raise GameValidationError(f"callback: must be callable, got {short_repr(c['callback'])}")
    if c["warm_start"] is not None and not isinstance(c["warm_start"], Equilibrium):
        raise GameValidationError(f"warm_start: expected an Equilibrium, got {type(c['warm_start']).__name__}")
    for key in ("checkpoint", "resume"):
        if c[key] is not None and not isinstance(c[key], (str, os.PathLike)):
            raise GameValidationError(f"{key}: expected a file path, got {short_repr(c[key])}")
    if not isinstance(o["selection"], str) or o["selection"] not in _SELECTIONS:
        raise GameValidationError(f"{_opt('selection')}: must be one of {_SELECTIONS}, got "
                                  f"{short_repr(o['selection'])}")
    check_real(o["accept_dist"], _opt("accept_dist"), 0, None)
    if o["schedule"] is not None:
        if isinstance(o["schedule"], (str, bytes)) or not isinstance(o["schedule"],
                                                                      (list, tuple, np.ndarray)):
            raise GameValidationError(f"{_opt('schedule')}: expected a sequence of discount factors or None, "
                                      f"got {short_repr(o['schedule'])}")
        for i, d in enumerate(o["schedule"]):
            check_discount(d, f"{_opt('schedule')}[{i}]")
    check_real(o["damping"], _opt("damping"), 0, 1, min_open=True, allow_none=True)
    check_int(o["policy_iterations"], _opt("policy_iterations"), minimum=0)
    check_real(o["stage_tol"], _opt("stage_tol"), 0, None, min_open=True)
    check_int(o["n_starts"], _opt("n_starts"), minimum=0)
    check_int(o["max_unknowns"], _opt("max_unknowns"), minimum=0, allow_none=True)
    check_int(o["anderson"], _opt("anderson"), minimum=0)
    check_int(o["checkpoint_every"], _opt("checkpoint_every"), minimum=1)
    check_real(o["scan_threshold"], _opt("scan_threshold"), 0, None)
    check_int(o["flagged_refresh"], _opt("flagged_refresh"), minimum=1)
    if not isinstance(o["self_loops"], (bool, np.bool_)):
        raise GameValidationError(f"{_opt('self_loops')}: must be True or False, got "
                                  f"{short_repr(o['self_loops'])}")
    if not (isinstance(o["symmetry"], (bool, np.bool_)) or (isinstance(o["symmetry"], str)
                                                             and o["symmetry"] == "auto")):
        raise GameValidationError(f"{_opt('symmetry')}: must be 'auto', True or False, got "
                                  f"{short_repr(o['symmetry'])}")


def _terminal_values(game, grid: BeliefGrid, terminal_values) -> np.ndarray:
    shape = (grid.n_nodes, game.n_agents, max(game.n_types))
    if terminal_values is not None:
        arr = np.asarray(terminal_values, dtype=float)
        if arr.shape != shape:
            raise ValueError(f"terminal_values: expected shape {shape}, got {arr.shape}")
        return arr
    if game.terminal_reward is None:
        return np.zeros(shape)
    return ContinuationValue.from_function(grid, game.terminal_reward).values


def _continuation_levels(grid: BeliefGrid, grid_continuation, delta: float, horizon) -> list:
    """Coarse grids (BeliefGrid) to solve before ``grid``; [] for none."""
    if grid_continuation is None or horizon is not None:
        return []
    if isinstance(grid_continuation, str):
        if grid_continuation != "auto":
            raise ValueError(f"{_opt('grid_continuation')}: must be 'auto', None or a sequence of point "
                             f"counts, got {grid_continuation!r}")
        target = min(grid.resolution)
        if delta <= 0.8 or target <= 10:
            return []
        resolutions = _nested_levels(target)
    else:
        try:
            resolutions = [int(n) - 1 for n in grid_continuation]
        except (TypeError, ValueError):
            raise ValueError(f"{_opt('grid_continuation')}: must be 'auto', None or a sequence of point "
                             f"counts, got {grid_continuation!r}") from None
        if any(r < 1 for r in resolutions) or resolutions != sorted(resolutions):
            raise ValueError(f"{_opt('grid_continuation')}: point counts must be >= 2 and increasing, got "
                             f"{list(grid_continuation)!r}")
        if resolutions and resolutions[-1] >= min(grid.resolution):
            raise ValueError(f"{_opt('grid_continuation')}: every level must be coarser than the grid "
                             f"{[r + 1 for r in grid.resolution]}, got {list(grid_continuation)!r}")
    return [BeliefGrid(grid.n_types, tuple(r for _ in grid.resolution)) for r in resolutions]


def _nested_levels(target: int, coarsest: int = 10) -> list:
    """Resolutions below ``target``, each dividing the next: divide by the smallest prime factor
    until at most ``coarsest`` (50 -> 25 -> 5 gives [5, 25]; 40 -> [10, 20]). Nesting matters:
    every coarse node is a fine node, so only the new nodes start from interpolated values.
    Measured at δ = 0.95 (public goods): 6 -> 26 -> 51 and 11 -> 21 -> 41 converge; the
    non-nested steps 41 -> 51 and (slowly, if at all) 11 -> 51 did not (design records:
    "Non-nested grid continuation").
    A target with no divisor chain down to ``coarsest`` (a prime, say) gets doubling levels
    from ``coarsest`` instead, the last step not nested."""
    chain, r = [], target
    while r > coarsest:
        p = next((q for q in range(2, int(r ** 0.5) + 1) if r % q == 0), r)
        if p == r:                  # prime: no nested coarser level
            break
        r //= p
        chain.append(r)
    if chain and chain[-1] <= coarsest:
        return chain[::-1]
    out, r = [], coarsest
    while r < target:
        out.append(r)
        r *= 2
    return out


#: Settings a checkpoint records; resuming with any of them changed is refused.
_RESUME_SETTINGS = ("horizon", "eta", "selection", "selection_rule", "accept_dist", "schedule", "damping",
                    "anderson", "tol", "max_iter", "policy_iterations", "stage_tol", "n_starts",
                    "max_unknowns", "symmetry", "backend", "scan_threshold", "flagged_refresh",
                    "self_loops")


def _level_file(base, k: int, part: bool = False):
    """Beside checkpoint ``base``: level k's finished solution, or its in-progress checkpoint."""
    from pathlib import Path
    return Path(f"{base}.level{k}{'.part' if part else ''}.npz")


def _solve_by_levels(game, grid: BeliefGrid, levels: list, call: dict, options: dict,
                     t0: float) -> Equilibrium:
    """Coarse-to-fine: each level warm-starts the next by interpolation (see ``grid_continuation``).
    ``call``: the arguments of :func:`solve`; ``options``: its options, defaults filled in."""
    from pathlib import Path

    from ..equilibrium import load
    call = dict(call)
    checkpoint, resume = call.pop("checkpoint"), call.pop("resume")
    base = dict(options, grid_continuation=None)
    prev, summary = None, []
    for k, level in enumerate(levels + [grid]):
        final = k == len(levels)
        args, opts = dict(call), dict(base)
        if not final:
            args.update(verify=False)
        if prev is not None:
            args.update(warm_start=prev)
            opts.update(schedule=None)
        used = {**args, **opts}
        level_file = ck = None
        if checkpoint is not None:
            ck = Path(checkpoint) if final else _level_file(checkpoint, k, part=True)
            level_file = None if final else _level_file(checkpoint, k)
        source = Path(resume) if resume is not None else None
        if not final and source is not None and _level_file(source, k).exists():
            prev = load(_level_file(source, k))            # a finished level: not solved again
            if prev.grid.resolution != level.resolution or prev.delta != call["delta"]:
                raise FileCheckError(f"resume: {_level_file(source, k)} is not level {k} of this solve")
            why = describe_mismatch(dict(fingerprint=game_fingerprint(prev.game), settings=prev.settings),
                                    dict(fingerprint=game_fingerprint(game),
                                         settings={key: used[key] for key in _RESUME_SETTINGS
                                                   if key in used and key not in ("schedule", "symmetry")}),
                                    f"resume: {_level_file(source, k)}")
            if why:
                raise FileCheckError(why)
            summary.append(dict(grid=[r + 1 for r in level.resolution], sweeps=prev.iterations,
                                converged=prev.converged, resumed=True))
            continue
        part = None
        if source is not None:
            part = source if final else _level_file(source, k, part=True)
            part = part if part.exists() else None
        prev = solve(game, level, checkpoint=ck, resume=part, options=opts, **args)
        summary.append(dict(grid=[r + 1 for r in level.resolution], sweeps=prev.iterations,
                            converged=prev.converged))
        if not final and level_file is not None:
            prev.save(level_file)
            if ck is not None and ck.exists():
                ck.unlink()
        if prev.stopped:
            break
    if k < len(levels):
        object.__setattr__(prev, "message", f"grid continuation stopped at level {k} "
                           f"({[r + 1 for r in levels[k].resolution]} points): " + prev.message)
    elif checkpoint is not None and not prev.stopped:
        for j in range(len(levels)):               # finished: the level files are stale
            _level_file(checkpoint, j).unlink(missing_ok=True)
    settings = dict(prev.settings, grid_continuation=[[r + 1 for r in g.resolution] for g in levels],
                    levels=summary)
    object.__setattr__(prev, "settings", settings)
    object.__setattr__(prev, "elapsed", time.perf_counter() - t0)
    return prev


@_options_not_keywords
def solve(game, grid: Union[int, Sequence[int], BeliefGrid] = 21, horizon: Optional[int] = None, *,
          delta: Optional[float] = None, eta: float = 1e-7, tol: float = 1e-8, max_iter: int = 500,
          terminal_values: Optional[np.ndarray] = None, verify: bool = True,
          verify_options: Optional[dict] = None, callback: Optional[Callable] = None,
          warm_start: Optional[Equilibrium] = None, checkpoint=None, resume=None,
          backend: str = "numba", options: Optional[Mapping] = None) -> Equilibrium:
    """Compute a structured perfect Bayesian equilibrium of ``game`` on a belief grid.

    Finite horizon (``horizon`` or ``game.horizon`` set): the backward recursion (6.4)-(6.6)
    from the terminal reward G. Infinite horizon: the joint fixed point (6.17) in (V, θ), by value
    iteration with δ-continuation, consistent selection and damping, polished by policy
    iteration (see ``spbe.solvers.infinite``). Every result is verified as an equilibrium of the
    game (:func:`spbe.verify`): ``eq.epsilon`` and its quantiles measure the strategy as played
    between the nodes, ``eq.value_error`` compares Monte-Carlo returns with the reported values,
    and ``eq.success`` rests on them; ``eq.converged`` says only that the grid iteration reached
    its fixed point, and ``eq.grid_epsilon`` is that fixed point's own residual.

    The arguments say which problem is solved and how closely; the method-specific settings of
    the solver (selection, continuation, acceleration, stage solver) are the entries of
    ``options``, each with its default in :data:`spbe.solvers.solve.DEFAULT_OPTIONS`. The
    settings that shape the result, options included, are recorded in ``eq.settings``.

    Parameters
    ----------
    game : DynamicGame
    grid : int, sequence of int, or BeliefGrid
        Points per axis: ``grid=21`` is ``BeliefGrid(game, 20)``, the lattice of resolution 20 per
        agent (21 points per binary-type agent, π_i ∈ {0, 0.05, ..., 1}); a sequence gives one
        value per agent; a BeliefGrid is used as it is.
    horizon : int, optional
        Finite horizon T (default: ``game.horizon``; None: infinite horizon).
    delta : float, optional
        Discount factor (default ``game.delta``).
    eta : float
        Tremble size (notes §2.4 item 4): every action keeps probability ≥ η; 0 = the exact
        thesis problem with the off-path rule of (6.7).
    tol : float
        Bellman residual tolerance per round: (1 − δ)‖𝒯V − V‖∞ ≤ tol.
    max_iter : int
        Cap on value-iteration sweeps (per δ of the schedule).
    terminal_values : array (B, N, M_max), optional
        G on the grid (overrides ``game.terminal_reward``); finite horizon only. Part of the
        problem, like ``horizon``: it changes the game solved, not the method.
    verify : bool
        Verify the result as an equilibrium of the game (see :func:`spbe.verify`); off, the
        result has no ``epsilon`` and ``success`` is False.
    verify_options : dict, optional
        Keyword arguments of :func:`spbe.verify` (``refine``, ``n_paths``, ``monte_carlo``,
        ``mc_paths``, ``tolerances``, ...).
    callback : callable, optional
        Called with a dict after every sweep; returning False stops the solve (reported).
    warm_start : Equilibrium, optional
        Start from this solution: V and θ of the infinite horizon, θ for the last period. For the
        infinite horizon it may come from another grid of the same game (a coarser one, say):
        V and θ are then interpolated to this grid's nodes and every node re-selects its case
        nearest the interpolated θ.
    checkpoint : path, optional
        Infinite horizon: write the iteration state there every ``checkpoint_every`` sweeps (an
        option) and when the callback stops the run, so that an interrupted or killed solve can be
        resumed with ``resume=`` that file; the resumed solve gives the same result as an
        uninterrupted one. Plain arrays and JSON, no pickle.
    resume : path, optional
        A checkpoint written by a solve of the same game, grid and settings.
    backend : ``"numba"`` (default) or ``"numpy"``
        ``"numpy"`` runs the same kernels uncompiled (``spbe._kernels.backends``): the
        reference the tests and benchmarks compare the compiled path with; it is 2–3 orders of
        magnitude slower and meant for small grids.
    options : dict, optional
        Method-specific options, e.g. ``options={"selection": "first", "anderson": 0}``; a key
        left out takes its default (:data:`spbe.solvers.solve.DEFAULT_OPTIONS`), an unknown key
        raises ValueError, and giving an option as a keyword argument of ``solve`` raises
        TypeError. The options:

        selection : ``"auto"`` (default), ``"continue"``, ``"continue-first"``, ``"nearest"`` or ``"first"``
            Selection among stage solutions (see ``spbe.stage.node_solver``). ``"auto"`` is
            ``"continue"`` in games with at most 100 cases (every 2-agent, 2-type game) and
            ``"continue-first"`` in larger ones, where a node that leaves its case takes the first
            solution found among the cases nearest its previous one (at most 729 cases) instead of
            enumerating every case for the nearest solution; the rule run is recorded in
            ``eq.settings["selection_rule"]``.
        accept_dist : float (default 0.5)
            L1 distance within which the previous sweep's case is kept without a full enumeration.
        schedule : sequence of float or None (default ``DEFAULT_SCHEDULE``, (0, 0.5, 0.8, 0.9))
            δ-continuation: values below δ solved first, each warm-starting the next.
        damping : float or None (default None)
            α in V ← V + α(𝒯V − V); None: 1 for δ ≤ 0.8, 0.5 above.
        anderson : int (default 5)
            Memory of the Anderson acceleration of V ← 𝒯V, used while no node changes case (then 𝒯
            is smooth in V); 0 turns it off. A case change or a growing residual falls back to the
            damped step.
        policy_iterations : int (default 50)
            Cap on policy-iteration steps.
        stage_tol : float (default 1e-9)
            Acceptance of a stage solution (best-response gain at the node); interior indifference
            equations are solved to ``stage_tol / 10``.
        n_starts : int (default 4)
            Multi-start count for cases with several unknowns.
        max_unknowns : int or None (default None)
            Cap on the interior unknowns of the cases enumerated (large games); None: no cap.
        symmetry : ``"auto"`` (default), True or False
            Exchange symmetry (:mod:`spbe.symmetry`): solve at canonical nodes, mirror, and require
            equal prescriptions of agents holding equal beliefs. ``"auto"`` uses it when the game is
            symmetric under permutations of its agents (and the grid treats them alike).
        grid_continuation : ``"auto"`` (default), sequence of int, or None
            Homotopy in the grid resolution (infinite horizon): solve on coarser grids first, each
            solution interpolated to the next finer grid as its warm start; only the coarsest level
            runs the δ schedule. A sequence gives the coarse resolutions (per axis, as ``grid``
            counts points: ``(11, 21, 41)``). ``"auto"``, when δ > 0.8 and the target grid is finer
            than 11 points per axis, uses nested levels: resolutions that divide the target's, each
            dividing the next, the coarsest at most 10 (51 points: 6, 26, then 51; 41 points: 11,
            21, then 41); see ``_nested_levels``. None solves on the target grid only. Why: at
            δ = 0.95 the public-goods game converges on 11 × 11 from the δ schedule but not on finer
            grids, where nodes keep jumping between stage equilibria (a branch of the selection ends
            at a fold); started from the interpolated coarse solution, the finer grid converges
            (measured: 11 -> 21 -> 41 in 40 and 46 sweeps, and 6 -> 26 -> 51 in 41 and 83 sweeps).
            The coarse levels are summarised in ``eq.settings["levels"]`` (grid, sweeps, converged)
            and, when checkpointing, saved beside the checkpoint (``<checkpoint>.level<k>.npz``) so
            that a resumed solve skips finished levels.
        scan_threshold : float (default 1e-6)
            Where no case has a verified stage solution, the last-resort lattice scan of the logit
            boxes (``spbe.stage.node_solver``) runs only if the best candidate's best-response
            gain exceeds this; 0 always scans. The scan costs seconds per node; skipping it where a
            near-solution exists (with the continuation step of the node solver) took the 51 x 51,
            δ = 0.95 public-goods solve from 351 s to 240 s, with the same (1 − δ)·epsilon = 8.0e-8
            (39 s after later changes to the fallback passes, see ``flagged_refresh``).
            Also used off the grid (``eq.strategy``, verification).
        flagged_refresh : int (default 1)
            Infinite horizon: a node without a verified stage solution gets the fallback search
            (exhaustive pass, lattice scan: up to seconds per node) only if it had none in the last
            this many sweeps at this δ; otherwise its previous strategy is polished locally (a
            compass search on the best-response gain). The sweep that ends value iteration and the
            policy-iteration steps always search fully. Default 1: the full search every sweep.
            Larger values bound the cost per sweep where the full search is expensive (games with 3
            agents), but the polished near-solutions make value iteration cycle more often: on the
            51 x 51, δ = 0.95 public-goods solve, 1 took 49 s, 10 took 144 s, 20 took 27-67 s
            (two variants of the rule), 40 did not converge in 500 sweeps (measured before the
            continuation step's second Levenberg-Marquardt try, which brought 1 to 39 s).
        self_loops : bool (default False)
            Infinite horizon, static types: at a node whose selected strategy pools (no action
            moves the belief, so the node's posterior is itself) use the value of playing it for
            ever, r̄/(1 − δ), instead of r̄ + δV (see ``spbe.solvers.infinite.stage_sweep``).
            Same fixed points. Measured on the 3-agent threshold game on 11³ with the schedule
            0, 0.5, 0.6: without it δ = 0.6 cycles with period 3 for ever (the volunteer rotates at
            the nodes around π = (0.2, 0.5, 0.9)); with it δ = 0.6 converges in 12 sweeps (274 s in
            all, confirmed by policy iteration, 24 flagged nodes). Public goods at δ = 0.95 on
            101 x 101, warm-started from the 51 x 51 solution: converged in 53 sweeps (257 s,
            confirmed by policy iteration, 0 flagged) with it before the local scan of the stage
            solver; with that scan the same start took another path and had not converged after
            101 sweeps (10 min: two nodes changed case every other sweep), and with the hold of
            flagged nodes on their near-solutions added (``HOLD_FACTOR``) it converges in 79 sweeps
            (198 s, confirmed by policy iteration, 0 flagged). Without it 28
            sweeps (7 min) still had 40-54 case changes and a residual per round of 0.05-0.11.
            Those runs started from one particular, earlier 51 x 51 solution; from the one the
            default 51 x 51 solve gives now, the 101 x 101 level with it did not converge in 83
            sweeps (611 s; a few nodes without an exact stage solution keep changing case).
            Off by default: on the 51 x 51, δ = 0.95 public-goods solve it takes 63/29/30 sweeps
            per level and 44-52 s, against 63/36/47 sweeps and 26-27 s without (81 s and 39 s before
            the local scan).
        checkpoint_every : int (default 10)
            With ``checkpoint``: sweeps between two writes of the iteration state.

    Returns
    -------
    Equilibrium

    Raises
    ------
    TypeError
        An option given as a keyword argument (``solve(game, selection="first")``): it belongs in
        ``options={"selection": "first"}``.
    ValueError
        A bad argument or option, or an unknown key in ``options``; the message names it.

    Examples
    --------
    >>> import spbe
    >>> eq = spbe.solve(spbe.examples.public_goods(delta=0.5), grid=11,
    ...                 options={"anderson": 0, "schedule": (0.0,)})     # doctest: +SKIP
    >>> eq.settings["anderson"], eq.settings["schedule"]                 # doctest: +SKIP
    (0, [0.0])
    """
    t0 = time.perf_counter()
    call = {k: v for k, v in locals().items() if k not in ("t0", "game", "grid", "options")}
    if not isinstance(game, DynamicGame):
        raise GameValidationError(f"game: expected a DynamicGame, got {type(game).__name__}")
    opts = _resolve_options(options)
    delta = game.delta if delta is None else check_discount(delta, "delta")
    horizon = game.horizon if horizon is None else check_int(horizon, "horizon", minimum=1)
    _check_options(game, call, opts)
    selection, accept_dist, schedule, damping = (opts[k] for k in ("selection", "accept_dist", "schedule",
                                                                   "damping"))
    policy_iterations, stage_tol, n_starts, max_unknowns = (
        opts[k] for k in ("policy_iterations", "stage_tol", "n_starts", "max_unknowns"))
    symmetry, anderson, checkpoint_every, grid_continuation = (
        opts[k] for k in ("symmetry", "anderson", "checkpoint_every", "grid_continuation"))
    scan_threshold, flagged_refresh, self_loops = (opts[k] for k in ("scan_threshold", "flagged_refresh",
                                                                     "self_loops"))
    symmetry = symmetry if isinstance(symmetry, str) else bool(symmetry)
    if isinstance(grid, BeliefGrid):
        if grid.n_types != game.n_types:
            raise ValueError(f"grid: its type counts {grid.n_types} differ from the game's {game.n_types}")
    else:
        points = _grid_points(grid, game.n_agents)
        resolution = tuple(p - 1 for p in points)
        # size guards before anything is allocated: cases per node, nodes, memory
        n_cases = check_cases(game.n_types, game.n_actions, max_unknowns, "game")
        check_grid(game.n_types, resolution, "grid")
        check_memory(solve_memory_estimate(game.n_types, game.n_actions,
                                           grid_node_count(game.n_types, resolution),
                                           1 if horizon is None else horizon + 1, n_cases),
                     f"grid {points[0] if len(set(points)) == 1 else list(points)}"
                     + ("" if horizon is None else f", horizon {horizon}"))
        grid = BeliefGrid(game.n_types, resolution)
    if self_loops and not all(game.static):
        raise ValueError(f"{_opt('self_loops')}: only for games with static types (a Markov type moves "
                         "even where the belief does not)")
    levels = _continuation_levels(grid, grid_continuation, delta, horizon)
    if levels and warm_start is None:
        return _solve_by_levels(game, grid, levels, dict(call, delta=delta), opts, t0)
    symmetric = is_exchange_symmetric(game) and len(set(grid.resolution)) == 1
    if symmetry is True and not symmetric:
        raise ValueError(f"{_opt('symmetry')}: the game (or the grid) is not symmetric under exchange "
                         f"of agents")
    sym_map = SymmetryMap(grid) if symmetric and symmetry in ("auto", True) else None
    check_backend(backend)
    solver = NodeSolver(game, tol=stage_tol, eta=eta, n_starts=n_starts, max_unknowns=max_unknowns,
                        scan_threshold=scan_threshold, backend=backend)
    selection_rule = solver.resolve_selection(selection)
    settings = dict(delta=delta, horizon=horizon, grid_resolution=list(grid.resolution), eta=eta,
                    selection=selection, selection_rule=selection_rule, accept_dist=accept_dist,
                    schedule=None if schedule is None else [float(d) for d in schedule],
                    damping=damping, anderson=anderson, tol=tol, max_iter=max_iter,
                    policy_iterations=policy_iterations, stage_tol=stage_tol, n_starts=n_starts, max_unknowns=max_unknowns,
                    offpath_rule="tremble" if eta > 0 else "thesis (6.7)",
                    symmetry=sym_map is not None, backend=backend, scan_threshold=scan_threshold,
                    flagged_refresh=flagged_refresh, self_loops=bool(self_loops),
                    terminal_values_given=terminal_values is not None)
    labels = tuple(case_label(game, tuple(tuple(a for a in range(k) if (m >> a) & 1)
                                          for m, k in zip(row, [game.n_actions[i] for i in solver.at_agent])))
                   for row in solver.cases.tolist())
    theta0 = cases0 = V0 = None
    if warm_start is not None:
        if warm_start.grid.n_types != grid.n_types or warm_start.settings.get("max_unknowns") != max_unknowns:
            raise ValueError("warm_start: must come from a solve of a game with the same type counts "
                             "and the same max_unknowns")
        if warm_start.grid.resolution == grid.resolution:
            theta0 = warm_start.strategy_nodes[0]
            cases0 = warm_start.case[0]
            V0 = warm_start.values[0] if warm_start.horizon is None else None
        elif horizon is None and warm_start.horizon is None:
            # prolongation to another grid: interpolate V and θ; each node tries first the case
            # of the coarse node with the largest interpolation weight (then, if that case has no
            # solution within accept_dist of the interpolated θ, every case: "continue")
            nodes = grid.nodes()
            V0 = warm_start.grid.interpolate_many(warm_start.values[0], nodes)
            theta0 = warm_start.grid.interpolate_many(warm_start.strategy_nodes[0], nodes)
            coarse_case = warm_start.case[0]
            cases0 = np.array([coarse_case[idx[np.argmax(w)]] for idx, w in
                               (warm_start.grid.stencil([b[i, :m] for i, m in enumerate(grid.n_types)])
                                for b in nodes)], dtype=np.int64)
        else:
            raise ValueError("warm_start: a finite-horizon warm start must come from the same grid")
    if sym_map is not None:
        # the mirror is only valid if the terminal values and the warm start are symmetric too
        mirrored = [_terminal_values(game, grid, terminal_values)] if horizon is not None else []
        mirrored += [V0] if V0 is not None else []
        if any(not np.allclose(sym_map.expand(v[sym_map.canonical]), v, atol=1e-12) for v in mirrored):
            if symmetry is True:
                raise ValueError(f"{_opt('symmetry')}: the terminal values or the warm start are not "
                                 f"symmetric")
            sym_map = None
            settings["symmetry"] = False
    if horizon is not None:
        out = backward_recursion(game, grid, delta, horizon, solver, _terminal_values(game, grid, terminal_values),
                                 selection=selection, accept_dist=accept_dist, theta0=theta0,
                                 cases0=cases0, callback=callback, symmetry=sym_map)
        flagged = out["flagged"]
        finished = len(out["history"]) == horizon
        converged = bool(finished and not flagged.any())
        stage_res = float(out["residuals"][~flagged].max(initial=0.0))
        message = ("backward recursion complete" if finished else "stopped by the callback") + (
            f"; {int(flagged.sum())} node-periods without an exact stage solution" if flagged.any() else "")
        eq = Equilibrium(game=game, grid=grid, strategy_nodes=out["strategies"], values=out["values"],
                         case=out["cases"], flagged=flagged, converged=converged, iterations=len(out["history"]),
                         residual=0.0, stage_residual=stage_res, message=message, settings=settings,
                         history=tuple(out["history"]), case_labels=labels,
                         elapsed=time.perf_counter() - t0, stopped=not finished)
    else:
        # recorded in the checkpoint: resuming refuses one written for another game or settings
        meta = dict(game=game.name, delta=float(delta), grid=list(grid.resolution), eta=float(eta),
                    schedule=None if schedule is None else [float(d) for d in schedule],
                    fingerprint=game_fingerprint(game),
                    settings={k: settings[k] for k in _RESUME_SETTINGS})
        state = None
        if resume is not None:
            from .infinite import read_checkpoint
            state = read_checkpoint(resume)
            why = describe_mismatch(state["header"].get("meta"), meta, "resume: the checkpoint")
            if why:
                raise FileCheckError(f"{why} (checkpoint {resume})")
            check_checkpoint(state, grid.n_nodes, game, len(solver.cases), f"resume: {resume}")
        out = value_iteration(game, grid, delta, solver, schedule=schedule or (), V0=V0, theta0=theta0,
                              cases0=cases0, damping=damping, tol=tol, max_iter=max_iter,
                              selection=selection, accept_dist=accept_dist,
                              policy_iterations=policy_iterations, callback=callback,
                              symmetry=sym_map, anderson=anderson, checkpoint=checkpoint,
                              checkpoint_every=checkpoint_every, resume=state, checkpoint_meta=meta,
                              flagged_refresh=flagged_refresh, self_loops=bool(self_loops))
        res = out["result"]
        flagged = (res.status != 0)[None]
        last = out["history"][-1]
        residual = last["residual"] / (1 - delta) if delta < 1 else last["residual"]
        converged = out["converged"]
        stage_res = float(res.residual[res.status == 0].max(initial=0.0))
        if out["policy_converged"]:
            message = "converged: θ solves (6.17a) against its own value on the grid (policy iteration)"
        elif converged:
            message = "converged: value iteration stopped changing"
        else:
            message = ("stopped by the callback; " if out["stopped"] else "") + (
                       f"not converged after {out['sweeps']} sweeps: residual per round "
                       f"{last['residual']:.3g}" + ("" if last["case_changes"] is None else
                                                    f", {last['case_changes']} case changes"))
        if flagged.any():
            message += f"; {int(flagged.sum())} nodes without an exact stage solution (flagged)"
        eq = Equilibrium(game=game, grid=grid, strategy_nodes=res.played[None], values=out["values"][None],
                         case=res.case[None], flagged=flagged, converged=converged, iterations=out["sweeps"],
                         residual=float(residual), stage_residual=stage_res, message=message,
                         settings=settings, history=tuple(out["history"]), case_labels=labels,
                         elapsed=time.perf_counter() - t0, stopped=bool(out["stopped"]))
    if verify:
        report = _verify(eq, **(verify_options or {}))
        object.__setattr__(eq, "epsilon", report["epsilon"])
        object.__setattr__(eq, "verification", report)
        object.__setattr__(eq, "message", f"{eq.message}; {report['message']}")
        object.__setattr__(eq, "elapsed", time.perf_counter() - t0)
    return eq


#: The keyword arguments of :func:`solve` (an ``options`` key with one of these names is pointed to it).
_ARGUMENTS = frozenset(inspect.signature(solve).parameters) - {"options"}
