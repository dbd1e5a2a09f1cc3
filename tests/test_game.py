"""Construction of games: the catalog, and one rejection test per validation rule."""
import numpy as np
import pytest

import spbe
from spbe import DynamicGame, GameValidationError


def base_kwargs():
    R = np.zeros((2, 2, 2, 2, 2))
    return dict(rewards=R, types=[("H", "L"), ("H", "L")], actions=[2, 2], delta=0.5)


def make(**changes):
    kw = base_kwargs()
    kw.update(changes)
    R = kw.pop("rewards")
    return DynamicGame(R, **kw)


def test_public_goods_reward_is_6_22():
    g = spbe.examples.public_goods(delta=0.5)
    x = {0: 1.2, 1: 0.2}
    for x1 in range(2):
        for x2 in range(2):
            for a1 in range(2):
                for a2 in range(2):
                    assert g.rewards[0, x1, x2, a1, a2] == pytest.approx(1 - x[x1] if a1 else a2)
                    assert g.rewards[1, x1, x2, a1, a2] == pytest.approx(1 - x[x2] if a2 else a1)
    assert g.types == (("H", "L"), ("H", "L"))
    assert all(g.static)


def test_markov_public_goods_kernel_is_stochastic_and_depends_on_actions():
    g = spbe.examples.markov_public_goods(0.9, switch=0.2, learning_by_doing=0.3)
    assert not any(g.static)
    Q = g.kernels[0]
    np.testing.assert_allclose(Q.sum(axis=-1), 1.0, atol=1e-14)
    # contributing (a^1 = 1) makes type L more likely next period
    assert Q[0, 1, 0, 1] > Q[0, 0, 0, 1]
    static = spbe.examples.markov_public_goods(0.9, switch=0.0)
    assert all(static.static)


def test_catalog_games_construct():
    for name, (factory, _) in spbe.examples.CATALOG.items():
        g = factory(delta=0.5)
        assert g.n_agents >= 2
        assert np.isfinite(g.rewards).all()
    assert spbe.examples.threshold_public_goods(0.5).n_agents == 3
    assert spbe.examples.contribution_game(0.5).n_types == (3, 3)


@pytest.mark.parametrize("rewards, match", [
    (np.zeros((2, 2, 2, 2)), r"rewards: expected shape"),
    (np.full((2, 2, 2, 2, 2), np.nan), r"rewards: contains NaN"),
    (np.full((2, 2, 2, 2, 2), np.inf), r"rewards: contains infinity"),
    ("abc", r"rewards: cannot be read"),
])
def test_bad_rewards(rewards, match):
    with pytest.raises(GameValidationError, match=match):
        make(rewards=rewards)


@pytest.mark.parametrize("delta", [1.0, -0.1, 1.5, float("nan"), "x"])
def test_bad_discount(delta):
    with pytest.raises(GameValidationError, match=r"^delta: "):
        make(delta=delta)


def test_kernel_rows_must_sum_to_one():
    Q = np.full((2, 2), 0.4)
    with pytest.raises(GameValidationError, match=r"kernels\[1\]: each distribution must sum to 1"):
        make(kernels=[None, Q])


def test_kernel_negative_entry():
    Q = np.array([[1.2, -0.2], [0.0, 1.0]])
    with pytest.raises(GameValidationError, match=r"kernels\[0\]: probabilities must be non-negative"):
        make(kernels=[Q, None])


def test_kernel_wrong_shape():
    with pytest.raises(GameValidationError, match=r"kernels\[0\]: expected shape \(2, 2, 2, 2\)"):
        make(kernels=[np.full((2, 3, 2), 0.5), None])


def test_kernel_nan():
    with pytest.raises(GameValidationError, match=r"kernels\[0\]: contains NaN"):
        make(kernels=[np.array([[np.nan, 1.0], [0.5, 0.5]]), None])


def test_kernel_count():
    with pytest.raises(GameValidationError, match=r"kernels: expected one entry per agent"):
        make(kernels=[None])


def test_kernel_tolerance_is_1e9():
    ok = np.array([[0.5, 0.5 + 5e-10], [0.0, 1.0]])
    make(kernels=[ok, None])
    bad = np.array([[0.5, 0.5 + 5e-9], [0.0, 1.0]])
    with pytest.raises(GameValidationError, match=r"kernels\[0\]"):
        make(kernels=[bad, None])


def test_prior_not_a_distribution():
    with pytest.raises(GameValidationError, match=r"prior\[1\]: each distribution must sum to 1"):
        make(prior=[[0.5, 0.5], [0.5, 0.6]])


def test_prior_wrong_length():
    with pytest.raises(GameValidationError, match=r"prior\[0\]: expected shape \(2,\)"):
        make(prior=[[0.2, 0.3, 0.5], [0.5, 0.5]])


def test_horizon_must_be_positive_integer():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(GameValidationError, match=r"^horizon: "):
            make(horizon=bad)
    assert make(horizon=3).horizon == 3


def test_terminal_reward_must_be_callable():
    with pytest.raises(GameValidationError, match=r"^terminal_reward: "):
        make(terminal_reward=3.0)


def test_actions_count_must_match_agents():
    with pytest.raises(GameValidationError, match=r"^actions: expected one entry per agent"):
        make(actions=[2, 2, 2])


def test_type_names_must_be_distinct():
    with pytest.raises(GameValidationError, match=r"^types\[0\]: names must be distinct"):
        make(types=[("H", "H"), ("H", "L")])


def test_empty_action_set():
    with pytest.raises(GameValidationError, match=r"^actions\[1\]: "):
        make(actions=[2, 0])


def test_belief_and_strategy_are_validated():
    g = spbe.examples.public_goods(0.5)
    with pytest.raises(GameValidationError, match=r"belief\[1\]: each distribution must sum to 1"):
        g.normalize_belief([[0.5, 0.5], [0.5, 0.6]])
    with pytest.raises(GameValidationError, match=r"belief: expected one probability vector per agent"):
        g.normalize_belief([[0.5, 0.5]])
    with pytest.raises(GameValidationError, match=r"strategy\[0\]: probabilities must be non-negative"):
        g.normalize_strategy([[[1.5, -0.5], [0, 1]], [[1, 0], [0, 1]]])
    # scalar shorthand for binary types: P(first type)
    np.testing.assert_allclose(g.normalize_belief((0.3, 1.0))[0], [0.3, 0.7])


def test_stage_solver_rejects_bad_discount_and_tolerance():
    g = spbe.examples.public_goods(0.0)
    with pytest.raises(GameValidationError, match=r"^delta: "):
        spbe.stage_equilibria(g, (0.5, 0.5), delta=1.0)
    with pytest.raises(ValueError, match=r"^tol: "):
        spbe.stage_equilibria(g, (0.5, 0.5), tol=0.0)


def test_rewards_may_be_given_per_agent():
    g1 = spbe.examples.public_goods(0.5)
    g2 = DynamicGame([g1.rewards[0], g1.rewards[1]], types=g1.types, actions=g1.actions, delta=0.5)
    np.testing.assert_array_equal(g1.rewards, g2.rewards)
    assert not g2.rewards.flags.writeable


def test_construction_copies_the_callers_arrays():
    R = np.zeros((2, 2, 2, 2, 2))
    Q = np.eye(2)
    g = make(rewards=R, kernels=[Q, None])
    R[0, 0, 0, 0, 0] = 5.0                         # the caller's arrays stay writable ...
    Q[0, 0] = 0.5
    assert g.rewards[0, 0, 0, 0, 0] == 0.0          # ... and the game does not see the edits
    assert g.kernels[0][0, 0, 0, 0] == 1.0


def test_unpickled_game_is_frozen_and_reuses_the_compiled_kernels():
    # Dask/multiprocessing workers receive games by pickle; writable arrays would be a new numba
    # type, i.e. a second compilation of every kernel in every worker
    import pickle

    from spbe._kernels.node_solver import solve_nodes
    game = spbe.examples.public_goods(0.5)
    spbe.solve(game, grid=3, verify=False)
    n_signatures = len(solve_nodes.signatures)
    clone = pickle.loads(pickle.dumps(game))
    assert not clone.rewards.flags.writeable and not any(k.flags.writeable for k in clone.kernels)
    a = spbe.solve(clone, grid=3, verify=False)
    assert len(solve_nodes.signatures) == n_signatures
    assert np.array_equal(a.values, spbe.solve(game, grid=3, verify=False).values)
