"""``spbe.sweep``: solve a grid of parameters, serially or on a Dask cluster.

A sweep solves one game per point of a parameter grid (δ, rewards, grid sizes, ...) with
:func:`spbe.solve` and returns a tidy table, one row per point, with every diagnostic of the
solve (convergence, iterations, residuals, ε, flagged nodes, time, message). Nothing is hidden:
a point that does not converge says so in its row, and a point whose solve raises is recorded
with its error instead of ending the sweep.

Warm starts follow the continuation in δ of the notes (thesis ch. 6 §2.6 (a); see
:mod:`spbe.solvers.infinite`): the points that differ only in δ form a *chain*, solved in
increasing δ, each warm-started from the one before. Chains are the unit of parallel work, so a
sweep on a Dask cluster computes exactly what the serial sweep computes (the solves are
deterministic).
"""
from __future__ import annotations

import csv
import inspect
import json
import math
import os
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence, Union

import numpy as np

from ._validation import check_discount
from .beliefs.grid import BeliefGrid
from .equilibrium import Equilibrium, load
from .game import DynamicGame
from .solvers.solve import DEFAULT_OPTIONS, _resolve_options, solve

__all__ = ["sweep", "SweepResult", "RESERVED_PARAMS"]

#: parameter names consumed by :func:`spbe.solve`; every other name goes to the game factory
RESERVED_PARAMS = ("grid", "delta", "horizon", "eta")

#: solve options the sweep sets itself
_CONTROLLED = ("warm_start", "resume", "checkpoint")

#: settings of a saved equilibrium that a resumed sweep does not compare (derived, or set by the chain)
# grid_continuation: a solve records the coarser levels it ran (e.g. [[6, 6], [26, 26]]), which "auto" or
# a list of point counts resolves to, so the saved value is never the one asked for
_NOT_COMPARED = {"game", "grid", "horizon", "delta", "schedule", "symmetry", "warm_start",
                 "callback", "checkpoint", "checkpoint_every", "resume", "terminal_values",
                 "verify", "verify_options", "grid_continuation"}

SWEEP_FORMAT_VERSION = 1

_RESULT_COLUMNS = ("success", "converged", "iterations", "residual", "epsilon", "epsilon_per_round",
                   "grid_epsilon_per_round", "value_error_per_round", "stage_residual", "n_flagged",
                   "elapsed_s", "message")


# ---------------------------------------------------------------------- the result table
@dataclass(frozen=True, eq=False)
class SweepResult:
    """The table of a sweep: one row per parameter point, in the order of the points.

    Attributes
    ----------
    rows : list of dict
        ``point`` (index), the parameters of the point, then ``success``, ``converged``,
        ``iterations``, ``residual``, ``epsilon``, ``epsilon_per_round`` = (1 − δ)ε (the
        game-level gain), ``grid_epsilon_per_round`` (the grid's own residual),
        ``value_error_per_round`` (Monte-Carlo), ``stage_residual``,
        ``n_flagged``, ``elapsed_s``, ``message`` (see :class:`spbe.Equilibrium`),
        ``warm_start_from`` (the point whose solution started this solve, or None),
        ``resumed`` (read back from ``out`` instead of solved) and ``error`` (None, or the
        exception a failed solve raised; its other results are then None and ``converged``
        False).
    equilibria : list of Equilibrium or None
        Aligned with ``rows`` (None where the solve failed); None when not kept.
    settings : dict
        How the sweep was run: parameter names, number of points and chains, warm starts,
        the solve options, backend (``"serial"`` or ``"dask"``), output directory.
    """

    rows: list
    equilibria: Optional[list]
    settings: dict

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        n = len(self.rows)
        conv = sum(bool(r.get("converged")) for r in self.rows)
        err = sum(r.get("error") is not None for r in self.rows)
        return (f"SweepResult({n} points, {conv} converged, {n - conv - err} not converged, "
                f"{err} errors; columns {self.columns})")

    @property
    def columns(self) -> list:
        """The column names, in order of first appearance."""
        cols = []
        for r in self.rows:
            cols.extend(k for k in r if k not in cols)
        return cols

    def to_records(self) -> list:
        """The rows as a list of new dicts (one per point)."""
        return [dict(r) for r in self.rows]

    def to_pandas(self):
        """The table as a :class:`pandas.DataFrame` (pandas is not a dependency of spbe)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("SweepResult.to_pandas needs pandas (pip install pandas); "
                              "to_records, to_csv and to_json do not") from exc
        return pd.DataFrame.from_records(self.to_records(), columns=self.columns)

    def to_csv(self, path) -> Path:
        """Write the table as CSV (None as an empty cell, lists as JSON)."""
        path = Path(path)
        cols = self.columns
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=cols)
            writer.writeheader()
            for r in self.rows:
                writer.writerow({k: _csv_cell(r.get(k)) for k in cols})
        return path

    def to_json(self, path) -> Path:
        """Write settings and rows as strict JSON: non-finite numbers become null (never NaN)."""
        path = Path(path)
        doc = dict(format="spbe-sweep", format_version=SWEEP_FORMAT_VERSION,
                   settings=_jsonable(self.settings), rows=_jsonable(self.rows))
        _write_json(path, doc)
        return path

    @classmethod
    def from_json(cls, path) -> "SweepResult":
        """Read a table written by :meth:`to_json` (or an ``out`` directory's ``sweep.json``);
        the equilibria are not part of it (``equilibria`` is None: load them with
        :func:`spbe.load` from the ``out`` directory)."""
        with open(path) as fh:
            doc = json.load(fh)
        if doc.get("format") != "spbe-sweep" or doc.get("format_version") != SWEEP_FORMAT_VERSION:
            raise ValueError(f"path: {path} is not a sweep table of format version "
                             f"{SWEEP_FORMAT_VERSION}")
        if doc.get("rows") is None:
            raise ValueError(f"path: {path} belongs to a sweep that has not finished (no rows yet)")
        return cls(rows=doc["rows"], equilibria=None, settings=doc["settings"])


# ---------------------------------------------------------------------- JSON helpers
def _jsonable(obj):
    """Plain JSON values: tuples and arrays to lists, numpy scalars to Python, NaN/inf to None."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray, range)):
        return [_jsonable(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, BeliefGrid):
        return dict(n_types=list(obj.n_types), resolution=list(obj.resolution))
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple, np.ndarray, Mapping, BeliefGrid)):
        return json.dumps(_jsonable(value))
    return value


def _write_json(path: Path, doc) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        json.dump(doc, fh, indent=1, allow_nan=False)
    os.replace(tmp, path)


# ---------------------------------------------------------------------- parameters
def _expand(params) -> tuple[list, list]:
    """The points of ``params`` (list of dicts) and the parameter names in order."""
    if isinstance(params, Mapping):
        if not params:
            raise ValueError("params: empty; give a dict of name -> list of values")
        names, values = [], []
        for name, vals in params.items():
            if not isinstance(name, str):
                raise TypeError(f"params: parameter names must be strings, got {name!r}")
            if (isinstance(vals, (str, bytes, Mapping))
                    or not isinstance(vals, (Sequence, np.ndarray, range))):
                raise TypeError(f"params[{name!r}]: expected a list of values, got "
                                f"{type(vals).__name__} (write [{vals!r}] for a single value)")
            vals = list(vals)
            if not vals:
                raise ValueError(f"params[{name!r}]: empty list of values")
            names.append(name)
            values.append(vals)
        return [dict(zip(names, combo)) for combo in product(*values)], names
    if isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        if not params:
            raise ValueError("params: empty; give a list of dicts, one per point")
        names = []
        for i, p in enumerate(params):
            if not isinstance(p, Mapping):
                raise TypeError(f"params[{i}]: expected a dict of name -> value, "
                                f"got {type(p).__name__}")
            for name in p:
                if not isinstance(name, str):
                    raise TypeError(f"params[{i}]: parameter names must be strings, got {name!r}")
                if name not in names:
                    names.append(name)
        return [dict(p) for p in params], names
    raise TypeError(f"params: expected a dict of name -> list of values or a list of dicts, "
                    f"got {type(params).__name__}")


def _check_names(names: list) -> None:
    taken = ("point",) + _RESULT_COLUMNS + ("warm_start_from", "resumed", "error")
    for name in names:
        if name in taken:
            raise ValueError(f"params: {name!r} is a column of the result table; rename the parameter")


def _check_reserved(points: list) -> None:
    """Early, named errors for the parameters that go to :func:`spbe.solve`."""
    for i, p in enumerate(points):
        where = f"params (point {i})"
        if "delta" in p:
            check_discount(p["delta"], f"{where}: delta")
        if "horizon" in p and p["horizon"] is not None:
            h = p["horizon"]
            if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
                raise ValueError(f"{where}: horizon must be a positive integer or None, got {h!r}")
        if "eta" in p:
            try:
                eta = float(p["eta"])
            except (TypeError, ValueError):
                eta = float("nan")
            if not (0.0 <= eta < 1.0):
                raise ValueError(f"{where}: eta must be a number in [0, 1), got {p['eta']!r}")
        if "grid" in p and not isinstance(p["grid"], BeliefGrid):
            try:
                res = np.atleast_1d(np.asarray(p["grid"]))
                ok = (res.ndim == 1 and res.size > 0 and np.issubdtype(res.dtype, np.integer)
                      and bool(np.all(res >= 2)))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(f"{where}: grid must be an integer >= 2 (points per axis), a sequence "
                                 f"of them, or a BeliefGrid; got {p['grid']!r}")


def _solve_defaults() -> dict:
    """The defaults of :func:`spbe.solve`'s arguments and of its options, in one flat dict
    (the names of ``eq.settings``)."""
    out = {k: p.default for k, p in inspect.signature(solve).parameters.items()
           if p.default is not inspect.Parameter.empty and k != "options"}
    return {**out, **DEFAULT_OPTIONS}


def _flat_settings(solve_options: dict) -> dict:
    """``solve_options`` with the entries of its ``options`` mapping lifted to the top level."""
    flat = {k: v for k, v in solve_options.items() if k != "options"}
    flat.update(solve_options.get("options") or {})
    return flat


def _check_solve_options(solve_options) -> dict:
    if solve_options is None:
        return {}
    if not isinstance(solve_options, Mapping):
        raise TypeError(f"solve_options: expected a dict of keyword arguments of spbe.solve, "
                        f"got {type(solve_options).__name__}")
    accepted = set(inspect.signature(solve).parameters) - {"game"}
    options = dict(solve_options)
    for key in options:
        if key in RESERVED_PARAMS:
            raise ValueError(f"solve_options: {key!r} is a sweep parameter; give it in params "
                             f"(e.g. params={{{key!r}: [value]}})")
        if key in _CONTROLLED:
            raise ValueError(f"solve_options: {key!r} is set by the sweep itself")
        if key in DEFAULT_OPTIONS:
            raise TypeError(f"solve_options: {key!r} is an option of spbe.solve, not an argument; "
                            f"give it as solve_options=dict(options={{{key!r}: ...}})")
        if key not in accepted:
            raise TypeError(f"solve_options: spbe.solve has no argument {key!r}")
    try:
        _resolve_options(options.get("options"))
    except ValueError as exc:
        raise ValueError(f"solve_options: {exc}") from None
    return options


def _chain_key(point: dict, index: int, warm: bool):
    if not warm or "delta" not in point:
        return ("point", index)
    return tuple(sorted((k, json.dumps(_jsonable(v), sort_keys=True))
                        for k, v in point.items() if k != "delta"))


# ---------------------------------------------------------------------- one chain (runs on a worker)
def _summary(eq: Equilibrium) -> dict:
    eps = None if eq.epsilon is None else float(eq.epsilon)
    v = eq.verification
    return dict(success=bool(eq.success), converged=bool(eq.converged), iterations=int(eq.iterations),
                residual=float(eq.residual), epsilon=eps,
                epsilon_per_round=None if eps is None else (1.0 - eq.delta) * eps,
                grid_epsilon_per_round=v.get("grid_epsilon_per_round"),
                value_error_per_round=v.get("value_error_per_round"),
                stage_residual=float(eq.stage_residual), n_flagged=int(eq.n_flagged),
                elapsed_s=float(eq.elapsed), message=eq.message)


def _failed_summary() -> dict:
    return dict(success=False, converged=False, iterations=None, residual=None, epsilon=None,
                epsilon_per_round=None, grid_epsilon_per_round=None, value_error_per_round=None,
                stage_residual=None, n_flagged=None, elapsed_s=None,
                message=None)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _save_atomic(eq: Equilibrium, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    eq.save(tmp)
    os.replace(tmp, path)


def _solve_chain(items: list, solve_options: dict, out: Optional[str], keep: bool,
                 on_point: Optional[Callable] = None) -> list:
    """Solve the ``("solve", index, game, kwargs, path)`` items of one chain in order, each
    warm-started from the last solution before it (a ``("given", index, eq)`` item or an earlier
    solve); returns one dict per solved item. Module level, so that Dask can ship it."""
    base_schedule = (solve_options.get("options") or {}).get("schedule", DEFAULT_OPTIONS["schedule"])
    results = []
    prev = None
    for item in items:
        if item[0] == "given":
            prev = (item[1], item[2])
            continue
        _, index, game, kwargs, path = item
        kw = dict(solve_options)
        kw.update(kwargs)
        warm_from = None
        if prev is not None:
            warm_from, kw["warm_start"] = prev[0], prev[1]
            if base_schedule is not None:
                # continuation in δ (notes §2.6 (a)): the chain already passed the δ below the last one
                kw["options"] = dict(kw.get("options") or {},
                                     schedule=tuple(d for d in base_schedule if d > prev[1].delta))
        try:
            eq = solve(game, **kw)
        except Exception as exc:      # recorded in the row; the sweep goes on
            res = dict(index=index, summary=_failed_summary(), error=_error_text(exc),
                       warm_from=warm_from, eq=None)
        else:
            if path is not None:
                _save_atomic(eq, Path(path))
            prev = (index, eq)
            res = dict(index=index, summary=_summary(eq), error=None, warm_from=warm_from,
                       eq=eq if keep else None)
        results.append(res)
        if on_point is not None:
            on_point(res)
    return results


# ---------------------------------------------------------------------- resume
def _expected_resolution(grid, game: DynamicGame) -> list:
    if isinstance(grid, BeliefGrid):
        return list(grid.resolution)
    res = np.broadcast_to(np.atleast_1d(np.asarray(grid, dtype=int)), (game.n_agents,))
    return [int(r) - 1 for r in res]


def _check_saved(eq: Equilibrium, path: Path, game: DynamicGame, kwargs: dict, options: dict,
                 defaults: dict) -> None:
    """Raise if the equilibrium saved at ``path`` was not computed for this point."""
    s = eq.settings
    options = _flat_settings(options)
    expected = dict(delta=float(kwargs.get("delta", game.delta)),
                    horizon=game.horizon if kwargs.get("horizon") is None else kwargs["horizon"],
                    grid_resolution=_expected_resolution(kwargs.get("grid", defaults["grid"]), game))
    for key, default in defaults.items():
        if key not in _NOT_COMPARED and key in s:
            expected[key] = kwargs.get(key, options.get(key, default))
    if expected.get("selection") == "auto" and s.get("selection") not in (None, "auto"):
        # saved before "auto" was the default: it named the rule that "auto" now resolves to
        from .stage.node_solver import NodeSolver
        expected["selection"] = NodeSolver(game, max_unknowns=s.get("max_unknowns")).resolve_selection("auto")
    for key, value in expected.items():
        if _jsonable(s.get(key)) != _jsonable(value):
            raise ValueError(f"out: {path} was computed with {key}={s.get(key)!r}, this sweep's "
                             f"point has {key}={value!r}; use another directory or delete the file")
    g = eq.game
    same = (g.n_types == game.n_types and g.n_actions == game.n_actions
            and np.array_equal(g.rewards, game.rewards)
            and all(np.array_equal(a, b) for a, b in zip(g.kernels, game.kernels))
            and all(np.array_equal(a, b) for a, b in zip(g.prior, game.prior)))
    if not same:
        raise ValueError(f"out: {path} holds the equilibrium of another game than game_factory gives "
                         f"for this point; use another directory or delete the file")


# ---------------------------------------------------------------------- the sweep
def _require_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ImportError('spbe.sweep(client=...) runs on Dask, which is not installed: '
                          'pip install "spbe[dask]"') from exc
    return distributed


def sweep(game_factory: Callable[..., DynamicGame], params: Union[Mapping, Sequence[Mapping]], *,
          client=None, warm_start: Union[str, bool] = "auto", solve_options: Optional[dict] = None,
          out=None, progress: Optional[Callable] = None, keep: bool = True) -> SweepResult:
    """Solve a game at every point of a parameter grid; serially, or on a Dask cluster.

    Parameters
    ----------
    game_factory : callable
        ``game_factory(**kwargs)`` returns the :class:`~spbe.DynamicGame` of a point, where
        ``kwargs`` are the point's parameters other than those of :data:`spbe.sweep.RESERVED_PARAMS`. If
        the factory has a parameter named ``delta`` it receives the point's δ too (so catalog
        games such as :func:`spbe.examples.public_goods` are factories as they are); the solve
        is always given ``delta=`` explicitly. It is called once per point, in this process;
        a TypeError it raises (parameters it does not take) stops the sweep, any other
        exception is recorded in the point's row.
    params : dict of name -> list of values, or list of dicts
        A dict is expanded to the Cartesian product of its lists (like scikit-learn's
        ``ParameterGrid``; the last name varies fastest); a list of dicts gives the points one
        by one. The reserved names go to :func:`spbe.solve`:

        ``grid``     points per axis (int, sequence of int) or a BeliefGrid;
        ``delta``    the discount factor δ;
        ``horizon``  the finite horizon T (None: infinite horizon);
        ``eta``      the tremble size η.

        Every other name goes to ``game_factory``.
    client : dask.distributed.Client, optional
        Run on this Dask cluster: one task per chain (``client.submit``), results fetched with
        ``client.gather``. Dask is optional (``pip install "spbe[dask]"``) and imported only
        here. Without a client the sweep runs serially in this process.
    warm_start : ``"auto"`` (default), True or False
        ``"auto"``/True: the points sharing every parameter but ``delta`` form a chain, solved
        in increasing δ, each point warm-started (``spbe.solve(..., warm_start=)``) from the
        last solution before it in the chain (converged or not: its row says which), with the
        δ-schedule cut to the values above that solution's δ: the continuation in δ of the
        notes (thesis ch. 6 §2.6 (a)), carried across the sweep. A point whose solve raised is
        skipped by the chain. False: every point is solved from scratch, independently (one
        task per point).
    solve_options : dict, optional
        Further keyword arguments of :func:`spbe.solve`, the same for every point (``tol``,
        ``max_iter``, ``verify_options``, ``options``, ...); its method-specific options go in
        ``options`` as in :func:`spbe.solve`: ``solve_options=dict(tol=1e-9,
        options={"schedule": (0.0, 0.5)})``. Not the reserved names (give them in ``params``)
        nor ``warm_start``, ``checkpoint``, ``resume``.
    out : path, optional
        A directory (created if needed): every equilibrium is saved as ``point_XXX.npz``
        (:meth:`spbe.Equilibrium.save`; XXX the point index) as soon as it is solved, and the
        table as ``sweep.json``. Running the same sweep again with the same ``out`` reads the
        points already saved (:func:`spbe.load`, after checking that their settings and game
        are this point's) instead of solving them, so an interrupted sweep resumes without
        losing finished work; a chain then goes on from the saved solutions. On a Dask
        cluster the workers write the files: ``out`` should be on a file system they share
        with this process (files a worker could not leave here are written here when the
        equilibrium came back, ``keep=True``).
    progress : callable, optional
        ``progress(done, total, row)`` after every point (read back or solved; ``row["resumed"]``
        tells which). With a client it is called here as the chains finish.
    keep : bool
        Keep the equilibria in the result (default). False returns ``equilibria=None`` and, on
        a cluster, brings only the rows back.

    Returns
    -------
    SweepResult
        ``rows`` in the order of the points, with every diagnostic of each solve; a solve that
        raised has its exception in the ``error`` column, a point that did not converge says
        so in ``converged`` and ``message``.

    Notes
    -----
    The solves are deterministic, so a chain gives the same result wherever it runs: a sweep
    on a cluster equals the serial sweep, and a resumed sweep equals an uninterrupted one.
    """
    if not callable(game_factory):
        raise TypeError(f"game_factory: must be callable (returning a DynamicGame), got "
                        f"{type(game_factory).__name__}")
    if warm_start not in ("auto", True, False):
        raise ValueError(f"warm_start: must be 'auto', True or False, got {warm_start!r}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress: must be callable progress(done, total, row), got "
                        f"{type(progress).__name__}")
    points, names = _expand(params)
    _check_names(names)
    _check_reserved(points)
    options = _check_solve_options(solve_options)
    warm = warm_start is not False
    if client is not None:
        distributed = _require_distributed()
        if not (hasattr(client, "submit") and hasattr(client, "gather")):
            raise TypeError(f"client: expected a dask.distributed.Client, "
                            f"got {type(client).__name__}")
    out_dir = None
    if out is not None:
        out_dir = Path(out)
        if out_dir.exists() and not out_dir.is_dir():
            raise ValueError(f"out: {out_dir} exists and is not a directory")
        out_dir.mkdir(parents=True, exist_ok=True)

    # --- the games, built here: a factory that is not one fails at once, by name
    try:
        sig = inspect.signature(game_factory)
    except (TypeError, ValueError):
        sig = None
    takes_delta = sig is not None and "delta" in sig.parameters and sig.parameters["delta"].kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    n = len(points)
    games, kwargs_of, errors = [None] * n, [None] * n, [None] * n
    for i, p in enumerate(points):
        fkw = {k: v for k, v in p.items() if k not in RESERVED_PARAMS}
        if takes_delta and "delta" in p:
            fkw["delta"] = p["delta"]
        if sig is not None:
            try:
                sig.bind(**fkw)
            except TypeError as exc:
                raise TypeError(f"params (point {i}): game_factory cannot be called with "
                                f"{sorted(fkw)}: {exc}") from None
        try:
            game = game_factory(**fkw)
        except TypeError as exc:     # called with arguments it does not take (e.g. through **kwargs)
            raise TypeError(f"params (point {i}): game_factory(**{fkw!r}) raised "
                            f"{_error_text(exc)}") from exc
        except Exception as exc:     # recorded in the row
            errors[i] = f"game_factory raised {_error_text(exc)}"
            continue
        if not isinstance(game, DynamicGame):
            raise TypeError(f"game_factory: returned {type(game).__name__} for the parameters "
                            f"{fkw!r}; it must return a spbe.DynamicGame")
        games[i] = game
        kwargs_of[i] = {k: p[k] for k in RESERVED_PARAMS if k in p}

    # --- chains: equal parameters but δ, in increasing δ (stable)
    chains: dict = {}
    for i, p in enumerate(points):
        chains.setdefault(_chain_key(p, i, warm), []).append(i)
    chains = [sorted(c, key=lambda i: float(points[i].get("delta", 0.0))) for c in chains.values()]

    width = max(3, len(str(n - 1)))
    paths = [None if out_dir is None else out_dir / f"point_{i:0{width}d}.npz" for i in range(n)]
    settings = dict(parameters=names, n_points=n, n_chains=len(chains), warm_start=warm,
                    solve_options=_jsonable(options), backend="serial" if client is None else "dask",
                    out=None if out_dir is None else str(out_dir), keep=keep)
    doc_points = _jsonable(points)
    if out_dir is not None:
        index_file = out_dir / "sweep.json"
        if index_file.exists():
            with open(index_file) as fh:
                old = json.load(fh)
            if old.get("points") != doc_points:
                raise ValueError(f"out: {out_dir} holds another sweep (its sweep.json lists other "
                                 f"points); use another directory")

    # --- rows, filled as points are read back or solved
    rows: list = [None] * n
    eqs: list = [None] * n
    done = [0]

    def finish(i, summary, error, resumed, eq, wf):
        rows[i] = dict(point=i, **points[i], **summary, warm_start_from=wf, resumed=resumed,
                       error=error)
        eqs[i] = eq
        done[0] += 1
        if progress is not None:
            progress(done[0], n, rows[i])

    defaults = _solve_defaults()
    loaded = [None] * n
    for i in range(n):
        if errors[i] is not None:
            finish(i, _failed_summary(), errors[i], False, None, None)
        elif paths[i] is not None and paths[i].exists():
            eq = load(paths[i])
            _check_saved(eq, paths[i], games[i], kwargs_of[i], options, defaults)
            loaded[i] = eq
    if out_dir is not None:          # the points are this sweep's: say so before the work starts
        _write_json(out_dir / "sweep.json",
                    dict(format="spbe-sweep", format_version=SWEEP_FORMAT_VERSION,
                         settings=_jsonable(settings), points=doc_points, rows=None))
    # warm_start_from of the points read back: the last point before them in the chain with a solution
    for chain in chains:
        last = None
        for i in chain:
            if loaded[i] is not None:
                finish(i, _summary(loaded[i]), None, True, loaded[i] if keep else None,
                       last if warm else None)
            if errors[i] is None:
                last = i

    # --- the work: per chain, the points to solve with the solutions they start from
    tasks = []
    for chain in chains:
        items, pending = [], None
        for i in chain:
            if errors[i] is not None:
                continue
            if loaded[i] is not None:
                pending = ("given", i, loaded[i])
                continue
            if pending is not None:
                items.append(pending)
                pending = None
            items.append(("solve", i, games[i], kwargs_of[i],
                          None if paths[i] is None else str(paths[i])))
        if any(it[0] == "solve" for it in items):
            tasks.append(items)

    def record(res):
        i = res["index"]
        eq = res["eq"]
        if eq is not None and paths[i] is not None and not paths[i].exists():
            _save_atomic(eq, paths[i])          # the worker's file system is not this one
        finish(i, res["summary"], res["error"], False, eq if keep else None, res["warm_from"])

    out_str = None if out_dir is None else str(out_dir)
    if client is None:
        for items in tasks:
            _solve_chain(items, options, out_str, keep, on_point=record)
    else:
        futures = [client.submit(_solve_chain, items, options, out_str, keep, pure=False)
                   for items in tasks]
        for future in distributed.as_completed(futures):
            for res in client.gather(future):
                record(res)

    result = SweepResult(rows=rows, equilibria=eqs if keep else None, settings=settings)
    if out_dir is not None:
        _write_json(out_dir / "sweep.json",
                    dict(format="spbe-sweep", format_version=SWEEP_FORMAT_VERSION,
                         settings=_jsonable(settings), points=doc_points, rows=_jsonable(rows)))
    return result
