"""Homotopy in the grid resolution (``spbe.solve(..., options={"grid_continuation": ...})``).

The coarse solution, interpolated to the finer grid, is the warm start there; only the coarsest
level runs the δ schedule. Tests: the levels chosen, that the fine solve converges to a fixed
point of the fine grid (policy iteration confirms it, the stage conditions hold), that it is
checkpointed per level and a stopped solve resumes to the identical result.
"""
import numpy as np
import pytest

import spbe
from spbe.solvers.solve import _continuation_levels


def _levels(n, delta, spec="auto"):
    game = spbe.examples.public_goods(delta)
    return [g.resolution[0] + 1 for g in _continuation_levels(spbe.BeliefGrid(game, n - 1), spec, delta, None)]


def test_levels_chosen():
    # nested: each level's resolution divides the next (51 points = resolution 50 = 2 * 5 * 5)
    assert _levels(51, 0.95) == [6, 26]
    assert _levels(41, 0.95) == [11, 21]
    assert _levels(101, 0.95) == [6, 26, 51]
    assert _levels(31, 0.95) == [6, 16]
    assert _levels(21, 0.9) == [11]
    assert _levels(38, 0.95) == [11, 21]            # resolution 37 is prime: doubling from 10
    assert _levels(11, 0.95) == []                  # the coarsest level itself
    assert _levels(51, 0.5) == []                   # converges directly at small δ
    assert _levels(51, 0.5, (11, 26)) == [11, 26]
    assert _levels(51, 0.95, None) == []
    with pytest.raises(ValueError, match="grid_continuation"):
        _levels(21, 0.95, (11, 31))                 # not coarser than the grid
    with pytest.raises(ValueError, match="grid_continuation"):
        _levels(21, 0.95, "fine")


@pytest.fixture(scope="module")
def by_levels():
    game = spbe.examples.public_goods(0.9)
    return game, spbe.solve(game, grid=9, options=dict(grid_continuation=(5,)), verify=True,
                            verify_options=dict(n_paths=2, steps=4))


def test_fine_level_is_a_fixed_point_of_the_fine_grid(by_levels):
    game, eq = by_levels
    assert eq.grid.resolution == (8, 8)
    assert eq.converged, eq.message
    assert eq.settings["grid_continuation"] == [[5, 5]]
    assert [lv["grid"] for lv in eq.settings["levels"]] == [[5, 5], [9, 9]]
    assert all(lv["converged"] for lv in eq.settings["levels"])
    # the fine level ran at the target δ only (no schedule), from the interpolated start
    assert {h["delta"] for h in eq.history} == {0.9}
    # V is the value of θ on the fine grid (policy evaluation) and θ solves the stage problems
    assert eq.verification["policy_gap"] * (1 - eq.delta) <= 1e-6
    assert eq.verification["grid_epsilon"] * (1 - eq.delta) <= 1e-6
    assert eq.n_flagged == 0


def test_warm_start_from_a_coarser_grid_is_interpolated(by_levels):
    game, eq = by_levels
    coarse = spbe.solve(game, grid=5, verify=False)
    again = spbe.solve(game, grid=9, warm_start=coarse, options=dict(schedule=None), verify=False)
    assert np.array_equal(again.values, eq.values)
    assert np.array_equal(again.strategy_nodes, eq.strategy_nodes)


def test_stopped_solve_resumes_across_levels(by_levels, tmp_path):
    game, eq = by_levels
    ck = tmp_path / "ck.npz"
    calls = []

    def stop_in_fine_level(h):
        calls.append(h)
        # the first level has its δ schedule; stop 3 sweeps into the fine level
        if len(calls) > 3 and h["delta"] == 0.9 and calls[-4]["delta"] == 0.9 and h["sweep"] == 3:
            return False

    stopped = spbe.solve(game, grid=9, verify=False, checkpoint=ck, callback=stop_in_fine_level,
                         options=dict(grid_continuation=(5,), checkpoint_every=1))
    assert not stopped.converged and (tmp_path / "ck.npz.level0.npz").exists() and ck.exists()
    assert stopped.stopped and stopped.message.startswith("stopped by the callback")   # in the fine level
    done = spbe.solve(game, grid=9, options=dict(grid_continuation=(5,)), verify=False, checkpoint=ck,
                      resume=ck)
    assert done.settings["levels"][0].get("resumed") is True
    assert np.array_equal(done.values, eq.values)
    assert np.array_equal(done.strategy_nodes, eq.strategy_nodes)
    assert not (tmp_path / "ck.npz.level0.npz").exists()      # finished: level files removed


def test_grid_continuation_with_a_single_type_agent():
    """An agent with one type has a one-point belief simplex: the prolongation between levels
    passes each agent's own probabilities to the coarse grid (padded beliefs were rejected)."""
    R = np.random.default_rng(4).uniform(size=(2, 2, 1, 2, 2))
    game = spbe.DynamicGame(R, types=[("H", "L"), ("only",)], actions=[2, 2], delta=0.9)
    eq = spbe.solve(game, grid=21, verify=False)
    assert len(eq.settings["levels"]) >= 2                       # the continuation ran
    assert eq.grid.n_nodes == 21 and eq.converged, eq.message
