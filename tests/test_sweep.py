"""spbe.sweep: parameter sweeps, serial or on Dask, warm-start chains in δ, resume from ``out``."""
import csv
import importlib.util
import json
import math
import pickle
import shutil
import sys

import numpy as np
import pytest

import spbe
from spbe.examples import public_goods
from spbe.solvers.solve import DEFAULT_SCHEDULE

# small and quick: 5 × 5 grid, verification on the 9 × 9 check grid without the Monte-Carlo part
OPTIONS = dict(verify_options=dict(refine=2, n_paths=0, monte_carlo=False))
CHAIN = dict(grid=[5], delta=[0.0, 0.5, 0.8])


def _same_eq(a, b):
    return (np.array_equal(a.values, b.values) and np.array_equal(a.strategy_nodes, b.strategy_nodes)
            and np.array_equal(a.case, b.case) and np.array_equal(a.flagged, b.flagged))


def _without(row, *keys):
    return {k: v for k, v in row.items() if k not in keys}


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """The serial chain sweep δ = 0, 0.5, 0.8, saved to a directory."""
    out = tmp_path_factory.mktemp("sweep") / "out"
    calls = []
    result = spbe.sweep(public_goods, CHAIN, solve_options=OPTIONS, out=out,
                        progress=lambda done, total, row: calls.append((done, total, row["point"])))
    return result, out, calls


def test_chain_rows_report_every_solve(chain):
    result, _, calls = chain
    assert [r["delta"] for r in result.rows] == [0.0, 0.5, 0.8]
    assert calls == [(1, 3, 0), (2, 3, 1), (3, 3, 2)]
    for row, eq in zip(result.rows, result.equilibria):
        assert row["converged"] == eq.converged and row["iterations"] == eq.iterations
        assert row["residual"] == eq.residual and row["epsilon"] == eq.epsilon
        assert row["epsilon_per_round"] == pytest.approx((1 - row["delta"]) * eq.epsilon, rel=1e-15)
        assert row["stage_residual"] == eq.stage_residual and row["n_flagged"] == eq.n_flagged
        assert row["message"] == eq.message and row["elapsed_s"] == eq.elapsed
        assert row["error"] is None and row["resumed"] is False and row["grid"] == 5
        assert eq.delta == row["delta"] and eq.grid.resolution == (4, 4)
    assert result.settings["n_chains"] == 1 and result.settings["backend"] == "serial"


def test_chain_is_warm_started_along_delta(chain):
    """Each point of the chain equals spbe.solve warm-started from the previous point, with the
    δ-schedule cut above the previous δ; the warm start saves sweeps over a cold solve."""
    result, _, _ = chain
    eqs = result.equilibria
    assert [r["warm_start_from"] for r in result.rows] == [None, 0, 1]
    cold0 = spbe.solve(public_goods(0.0), grid=5, delta=0.0, **OPTIONS)
    assert _same_eq(cold0, eqs[0])
    warm = spbe.solve(public_goods(0.8), grid=5, delta=0.8, warm_start=eqs[1],
                      options=dict(schedule=tuple(d for d in DEFAULT_SCHEDULE if d > 0.5)), **OPTIONS)
    assert _same_eq(warm, eqs[2]) and warm.iterations == eqs[2].iterations
    assert eqs[2].settings["schedule"] == [0.8, 0.9]
    cold = spbe.solve(public_goods(0.8), grid=5, delta=0.8, **OPTIONS)
    assert cold.converged and eqs[2].converged
    assert eqs[2].iterations < cold.iterations
    assert np.allclose(cold.values, eqs[2].values, atol=1e-6)


def test_solver_options_reach_every_point_and_are_checked_on_resume(tmp_path):
    """``solve_options=dict(options=...)``: the options of spbe.solve, the same for every point;
    the chain still cuts the δ schedule given there; a resumed sweep compares them."""
    options = dict(OPTIONS, options=dict(schedule=(0.0, 0.3), anderson=0))
    params = dict(grid=[5], delta=[0.0, 0.5])
    result = spbe.sweep(public_goods, params, solve_options=options, out=tmp_path)
    eqs = result.equilibria
    assert [eq.settings["anderson"] for eq in eqs] == [0, 0]
    assert eqs[0].settings["schedule"] == [0.0, 0.3] and eqs[1].settings["schedule"] == [0.3]
    assert options["options"] == dict(schedule=(0.0, 0.3), anderson=0)         # not modified
    again = spbe.sweep(public_goods, params, solve_options=options, out=tmp_path)
    assert [r["resumed"] for r in again.rows] == [True, True]
    with pytest.raises(ValueError, match="anderson=0"):
        spbe.sweep(public_goods, params, solve_options=dict(OPTIONS, options=dict(schedule=(0.0, 0.3))),
                   out=tmp_path)


def test_resume_accepts_points_solved_by_grid_continuation(tmp_path):
    """A point solved through coarser levels records the levels it ran, not "auto"."""
    options = dict(OPTIONS, options=dict(grid_continuation=[3]))
    params = dict(grid=[5], delta=[0.5])
    first = spbe.sweep(public_goods, params, solve_options=options, out=tmp_path)
    assert first.equilibria[0].settings["grid_continuation"] == [[3, 3]]
    again = spbe.sweep(public_goods, params, solve_options=options, out=tmp_path)
    assert [r["resumed"] for r in again.rows] == [True]


def test_independent_points_equal_individual_solves():
    params = dict(grid=[5], delta=[0.5], x_high=[1.2, 1.0])
    result = spbe.sweep(public_goods, params, warm_start=False, solve_options=OPTIONS)
    assert [(r["x_high"], r["delta"]) for r in result.rows] == [(1.2, 0.5), (1.0, 0.5)]
    for row, eq in zip(result.rows, result.equilibria):
        alone = spbe.solve(public_goods(0.5, x_high=row["x_high"]), grid=5, delta=0.5, **OPTIONS)
        assert _same_eq(alone, eq)
        assert row["warm_start_from"] is None
        assert (row["converged"], row["iterations"], row["residual"], row["epsilon"],
                row["stage_residual"], row["n_flagged"], row["message"]) == (
                alone.converged, alone.iterations, alone.residual, alone.epsilon,
                alone.stage_residual, alone.n_flagged, alone.message)
        assert eq.game.rewards[0, 0, 0, 1, 0] == 1 - row["x_high"]


def test_dask_sweep_equals_serial_sweep(chain):
    distributed = pytest.importorskip("distributed")
    serial = chain[0]
    calls = []
    # in-process workers (threads): no process start-up and no numba cache to load per worker;
    # what a process worker adds, shipping the tasks and results, is checked below by pickling
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        # two chains (x_high 1.2 and 1.0): two tasks; the first is the serial chain above
        result = spbe.sweep(public_goods, dict(x_high=[1.2, 1.0], grid=[5], delta=[0.0, 0.5, 0.8]),
                            client=client, solve_options=OPTIONS,
                            progress=lambda done, total, row: calls.append(done))
    assert result.settings["backend"] == "dask" and result.settings["n_chains"] == 2
    assert sorted(calls) == [1, 2, 3, 4, 5, 6]
    for row, eq, srow, seq in zip(result.rows[:3], result.equilibria[:3], serial.rows,
                                  serial.equilibria):
        assert _without(row, "elapsed_s", "x_high", "point") == _without(srow, "elapsed_s", "point")
        assert _same_eq(eq, seq) and eq.iterations == seq.iterations
    assert [r["warm_start_from"] for r in result.rows] == [None, 0, 1, None, 3, 4]
    assert all(r["converged"] for r in result.rows)


def test_chain_tasks_and_results_survive_pickling(chain):
    """What a Dask process worker receives and returns: a chain task and its results."""
    sweep_module = sys.modules["spbe.sweep"]
    eqs = chain[0].equilibria
    items = [("given", 0, eqs[0]), ("solve", 1, public_goods(0.5), dict(grid=5, delta=0.5), None)]
    items = pickle.loads(pickle.dumps(items))
    (res,) = pickle.loads(pickle.dumps(sweep_module._solve_chain(items, OPTIONS, None, True)))
    assert res["index"] == 1 and res["warm_from"] == 0 and res["error"] is None
    assert _same_eq(res["eq"], eqs[1]) and res["summary"]["iterations"] == eqs[1].iterations
    # unpickled arrays are writable, a new type for numba (a recompilation): made read-only again
    assert not items[1][2].rewards.flags.writeable


def test_resume_solves_only_the_missing_point(chain, tmp_path):
    first, out, _ = chain
    again = tmp_path / "out"
    shutil.copytree(out, again)
    assert sorted(p.name for p in again.iterdir()) == ["point_000.npz", "point_001.npz",
                                                       "point_002.npz", "sweep.json"]
    (again / "point_001.npz").unlink()
    rows = []
    result = spbe.sweep(public_goods, CHAIN, solve_options=OPTIONS, out=again,
                        progress=lambda done, total, row: rows.append(row))
    assert sum(not r["resumed"] for r in rows) == 1 and len(rows) == 3
    assert [r["resumed"] for r in result.rows] == [True, False, True]
    assert (again / "point_001.npz").exists()
    for a, b, ra, rb in zip(result.equilibria, first.equilibria, result.rows, first.rows):
        assert _same_eq(a, b)
        assert _without(ra, "elapsed_s", "resumed") == _without(rb, "elapsed_s", "resumed")
    assert result.rows[0]["elapsed_s"] == first.rows[0]["elapsed_s"]   # read back, not solved
    table = spbe.SweepResult.from_json(again / "sweep.json")
    assert [r["iterations"] for r in table.rows] == [r["iterations"] for r in first.rows]
    # a directory of another sweep, or of other settings, is refused by name
    with pytest.raises(ValueError, match="out"):
        spbe.sweep(public_goods, dict(grid=[5], delta=[0.0, 0.5]), solve_options=OPTIONS, out=again)
    with pytest.raises(ValueError, match="out: .*tol"):
        spbe.sweep(public_goods, CHAIN, solve_options=dict(OPTIONS, tol=1e-6), out=again)


def test_errors_are_recorded_not_raised():
    def factory(delta, broken=False):
        if broken:
            raise RuntimeError("no such game")
        return public_goods(delta)

    wrong_grid = spbe.BeliefGrid((3, 3), 2)        # a grid for another game: spbe.solve raises
    result = spbe.sweep(factory, [dict(delta=0.0, grid=5), dict(delta=0.0, grid=wrong_grid),
                                  dict(delta=0.0, grid=5, broken=True)],
                        solve_options=OPTIONS, keep=False)
    assert result.equilibria is None
    ok, bad, broken = result.rows
    assert ok["converged"] and ok["error"] is None
    assert not bad["converged"] and bad["error"].startswith("ValueError: grid")
    assert bad["iterations"] is None and bad["epsilon"] is None
    assert broken["error"] == "game_factory raised RuntimeError: no such game"
    assert "broken" not in ok and broken["broken"] is True


def test_json_has_no_nan_and_round_trips(chain, tmp_path):
    result = chain[0]
    odd = spbe.SweepResult(rows=[dict(result.rows[0], residual=math.nan, epsilon=math.inf,
                                      stage_residual=np.float64(-np.inf), grid=(5, 5))],
                           equilibria=None, settings=dict(result.settings))
    for res in (result, odd):
        path = res.to_json(tmp_path / "table.json")
        text = path.read_text()
        assert "NaN" not in text and "Infinity" not in text

        def refuse(name):
            raise AssertionError(name)
        doc = json.loads(text, parse_constant=refuse)
        back = spbe.SweepResult.from_json(path)
        assert back.rows == doc["rows"] and back.settings == doc["settings"]
        assert back.to_json(tmp_path / "again.json").read_text() == text
    row = spbe.SweepResult.from_json(tmp_path / "table.json").rows[0]
    assert row["residual"] is None and row["epsilon"] is None and row["stage_residual"] is None
    assert row["grid"] == [5, 5] and row["converged"] is True
    for a, b in zip(spbe.SweepResult.from_json(result.to_json(tmp_path / "t.json")).rows, result.rows):
        assert a == b        # finite rows come back exactly
    with open(result.to_csv(tmp_path / "table.csv"), newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 3 and list(table[0]) == result.columns
    assert [float(r["delta"]) for r in table] == [0.0, 0.5, 0.8] and table[0]["error"] == ""
    assert [int(r["iterations"]) for r in table] == [r["iterations"] for r in result.rows]


def test_to_pandas_is_optional(chain, monkeypatch):
    result = chain[0]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pandas"):
        result.to_pandas()
    monkeypatch.undo()
    pd = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == result.columns


def test_validation_names_the_argument(monkeypatch):
    grid = dict(grid=[5], delta=[0.0])
    with pytest.raises(TypeError, match="game_factory"):
        spbe.sweep("public_goods", grid)
    with pytest.raises(TypeError, match="game_factory"):
        spbe.sweep(lambda delta: "not a game", grid)
    with pytest.raises(ValueError, match="params"):
        spbe.sweep(public_goods, {})
    with pytest.raises(ValueError, match="params"):
        spbe.sweep(public_goods, [])
    with pytest.raises(ValueError, match=r"params\['delta'\]"):
        spbe.sweep(public_goods, dict(grid=[5], delta=[]))
    with pytest.raises(TypeError, match=r"params\['delta'\]"):
        spbe.sweep(public_goods, dict(grid=[5], delta=0.5))
    with pytest.raises(TypeError, match="params.*colour"):
        spbe.sweep(public_goods, dict(grid=[5], delta=[0.5], colour=["red"]))
    with pytest.raises(TypeError, match=r"params\[1\]"):
        spbe.sweep(public_goods, [dict(delta=0.5), 0.5])
    with pytest.raises(ValueError, match="delta"):
        spbe.sweep(public_goods, dict(grid=[5], delta=[0.5, 1.5]))
    with pytest.raises(ValueError, match="grid"):
        spbe.sweep(public_goods, dict(grid=[1], delta=[0.5]))
    with pytest.raises(ValueError, match="params.*converged"):
        spbe.sweep(public_goods, dict(delta=[0.5], converged=[True]))
    with pytest.raises(TypeError, match="solve_options.*colour"):
        spbe.sweep(public_goods, grid, solve_options=dict(colour=1))
    with pytest.raises(ValueError, match="solve_options.*delta"):
        spbe.sweep(public_goods, grid, solve_options=dict(delta=0.5))
    with pytest.raises(ValueError, match="solve_options.*warm_start"):
        spbe.sweep(public_goods, grid, solve_options=dict(warm_start=None))
    with pytest.raises(TypeError, match=r"solve_options: 'schedule' is an option of spbe.solve.*"
                                        r"solve_options=dict\(options=\{'schedule': "):
        spbe.sweep(public_goods, grid, solve_options=dict(schedule=None))
    with pytest.raises(ValueError, match="solve_options: options: unknown key 'colour'"):
        spbe.sweep(public_goods, grid, solve_options=dict(options=dict(colour=1)))
    with pytest.raises(ValueError, match="warm_start"):
        spbe.sweep(public_goods, grid, warm_start="sometimes")
    with pytest.raises(TypeError, match="progress"):
        spbe.sweep(public_goods, grid, progress=3)
    if importlib.util.find_spec("distributed") is not None:
        with pytest.raises(TypeError, match="client"):
            spbe.sweep(public_goods, grid, client=object())
    monkeypatch.setitem(sys.modules, "distributed", None)     # Dask not installed
    with pytest.raises(ImportError, match=r'pip install "spbe\[dask\]"'):
        spbe.sweep(public_goods, grid, client=object())


def test_resume_reads_files_saved_before_the_auto_selection(chain, tmp_path):
    # files written before "auto" became the default name the rule itself: "continue" is what
    # "auto" runs in the 2 x 2 game, so the file is reused; any other rule is a mismatch
    import dataclasses
    first, out, _ = chain
    for saved_rule, reused in (("continue", True), ("continue-first", False)):
        again = tmp_path / saved_rule
        shutil.copytree(out, again)
        eq = spbe.load(again / "point_001.npz")
        settings = {k: v for k, v in eq.settings.items() if k != "selection_rule"}
        dataclasses.replace(eq, settings=dict(settings, selection=saved_rule)).save(again / "point_001.npz")
        if reused:
            result = spbe.sweep(public_goods, CHAIN, solve_options=OPTIONS, out=again)
            assert [r["resumed"] for r in result.rows] == [True, True, True]
            assert _same_eq(result.equilibria[1], first.equilibria[1])
        else:
            with pytest.raises(ValueError, match="selection='continue-first'"):
                spbe.sweep(public_goods, CHAIN, solve_options=OPTIONS, out=again)
