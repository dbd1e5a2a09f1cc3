"""The Hungarian benchmark of seed 003: the K-slot assignment equals brute force over all
allocations, and the homogeneous optimum equals every full initial allocation."""
import numpy as np
import pytest

from mechanisms.barter import (Economy, brute_force_optimum, global_level, optimal_assignment,
                               random_economy, satisfactions)


@pytest.mark.parametrize("n_agents, n_goods, capacity", [(3, 3, 1), (2, 4, 2), (3, 5, 2), (2, 5, 3),
                                                          (3, 4, 1)])
def test_slot_assignment_equals_brute_force_over_allocations(n_agents, n_goods, capacity):
    rng = np.random.default_rng(n_agents * 100 + n_goods * 10 + capacity)
    for _ in range(8):
        s = rng.integers(0, 20, size=(n_agents, n_goods)).astype(float)
        owner = rng.integers(0, n_agents, size=n_goods)
        e = Economy(s, capacity, owner)
        res = optimal_assignment(e)
        assert res.total == pytest.approx(brute_force_optimum(e))
        # the returned allocation achieves the reported value, with at most K goods per agent
        assert satisfactions(e, res.owner).sum() == pytest.approx(res.total)
        assert np.bincount(res.owner[res.owner >= 0], minlength=n_agents).max() <= capacity
        assert res.level == pytest.approx(res.total / (n_agents * capacity))


def test_double_coincidence_cycle_optimum():
    # notes' fixture: A holds a, B holds b, C holds c; each wants the next agent's good
    s = np.array([[1, 10, 0], [0, 1, 10], [10, 0, 1]], dtype=float)
    e = Economy(s, 1, np.array([0, 1, 2]))
    res = optimal_assignment(e)
    assert res.level == pytest.approx(10.0)
    np.testing.assert_array_equal(res.owner, [2, 0, 1])
    assert global_level(e) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(4))
def test_homogeneous_optimum_equals_any_full_allocation(seed):
    # M = N K and K goods each: every allocation scores every good, so nothing can be gained
    e = random_economy(20, 60, preferences="homogeneous", seed=seed)
    assert e.homogeneous
    assert optimal_assignment(e).level == pytest.approx(global_level(e))


def test_heterogeneous_optimum_dominates_initial_and_absent_goods_are_ignored():
    e = random_economy(30, 120, capacity=2, initial_goods=3, seed=5)
    assert e.n_goods == 90                      # 30 goods are left out of the economy
    res = optimal_assignment(e)
    assert np.all(res.owner[e.owner < 0] == -1)
    assert res.level >= global_level(e)


def test_validation_names_the_argument():
    with pytest.raises(ValueError, match="capacity"):
        Economy(np.ones((2, 2)), 0, np.array([0, 1]))
    with pytest.raises(ValueError, match="satisfaction"):
        Economy(-np.ones((2, 2)), 1, np.array([0, 1]))
    with pytest.raises(ValueError, match="owner"):
        Economy(np.ones((2, 2)), 1, np.array([0, 2]))
    with pytest.raises(ValueError, match="tokens"):
        Economy(np.ones((2, 2)), 1, np.array([0, 1]), tokens=[-1.0, 0.0])
    with pytest.raises(ValueError, match="n_goods"):
        random_economy(10, 20, initial_goods=3)
    with pytest.raises(ValueError, match="preferences"):
        random_economy(10, 30, preferences="popular")
    with pytest.raises(TypeError, match="economy"):
        optimal_assignment(np.ones((2, 2)))
