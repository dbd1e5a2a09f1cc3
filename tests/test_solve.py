"""spbe.solve: finite and infinite horizon, verification, persistence, forward recursion."""
import numpy as np
import pytest

import spbe
from spbe.beliefs import ContinuationValue
from spbe.solvers import DEFAULT_OPTIONS

GRID = 11          # 11 x 11 nodes: fast enough for CI


@pytest.fixture(scope="module")
def pg05():
    return spbe.solve(spbe.examples.public_goods(0.5), grid=GRID)


def node_regrets(eq, V, k=0):
    """Best-response gains at every node, recomputed with the numpy reference path."""
    g = eq.game
    out = np.zeros(eq.grid.n_nodes)
    for b in range(eq.grid.n_nodes):
        gam = [eq.strategy_nodes[k, b, i, :m, :kk] for i, (m, kk) in enumerate(zip(g.n_types, g.n_actions))]
        U = spbe.action_values(g, eq.grid.belief(b), gam, V, backend="numpy")
        out[b] = max(float((u.max(axis=1) - (p * u).sum(axis=1)).max()) for u, p in zip(U, gam))
    return out


def test_infinite_horizon_converges_and_satisfies_fixed_point(pg05):
    eq = pg05
    assert eq.converged and eq.n_flagged == 0
    assert eq.residual <= 1e-8 / (1 - 0.5)
    # (6.17a) at every node against the returned V, recomputed independently; the gain is the
    # tremble's O(η): η = 1e-7 mass on the worse action, payoff differences O(1)
    V = ContinuationValue(eq.grid, eq.values[0])
    assert node_regrets(eq, V).max() <= 1e-6
    # (6.17b): V is the value of θ (policy evaluation)
    assert eq.verification["policy_gap"] <= 1e-8 / (1 - 0.5)       # the solve tolerance
    assert eq.grid_epsilon <= 1e-6
    # the game: one-shot gains at the 21 x 21 check grid and simulated beliefs, against the value
    # of the strategy as played there; Monte-Carlo returns agree with the reported values
    assert eq.verification["n_beliefs"] > eq.grid.n_nodes
    assert eq.epsilon_per_round <= 1e-2 and eq.verification["gain_per_round"]["p99"] <= 1e-5
    assert eq.value_error * (1 - eq.delta) <= 1e-3
    assert eq.success


def test_vertex_values_are_stage_nash_values(pg05):
    """Degenerate beliefs are absorbing: (1 - δ)V is a stage Nash payoff (notes test A2)."""
    eq, d = pg05, 0.5
    v = lambda p1, p2: [np.asarray(x) * (1 - d) for x in eq.value((p1, p2))]
    H, L = 0, 1
    assert v(1, 0)[0][H] == pytest.approx(1.0, abs=1e-5)      # H free-rides on a known L
    assert v(1, 0)[1][L] == pytest.approx(0.8, abs=1e-5)
    assert v(1, 1)[0][H] == pytest.approx(0.0, abs=1e-5)      # two known H: nobody contributes
    assert v(0, 1)[0][L] == pytest.approx(0.8, abs=1e-5)
    assert v(0, 1)[1][H] == pytest.approx(1.0, abs=1e-5)
    both_L = (v(0, 0)[0][L], v(0, 0)[1][L])
    assert min(both_L) == pytest.approx(0.8, abs=1e-5) and max(both_L) <= 1.0 + 1e-6
    vals = eq.values[0] * (1 - d)
    assert vals.max() <= 1.0 + 1e-6                           # trivial bound (1 - δ)V ≤ 1


def test_exchange_symmetry(pg05):
    """γ^1(·|x)(π1, π2) = γ^2(·|x)(π2, π1) (thesis §5: all solutions found are symmetric)."""
    s = pg05.strategy_nodes[0].reshape(GRID, GRID, 2, 2, 2)
    np.testing.assert_allclose(s[:, :, 0], np.transpose(s[:, :, 1], (1, 0, 2, 3)), atol=1e-6)
    v = pg05.values[0].reshape(GRID, GRID, 2, 2)
    np.testing.assert_allclose(v[:, :, 0], np.transpose(v[:, :, 1], (1, 0, 2)), atol=1e-6)


def test_horizon_one_equals_stage_solve():
    g = spbe.examples.public_goods(0.5)
    eq = spbe.solve(g, grid=GRID, horizon=1, eta=0.0)
    assert eq.converged
    for b in range(0, eq.grid.n_nodes, 3):
        belief = eq.grid.belief(b)
        if any(abs(p[0] - 0.2) < 1e-12 for p in belief):
            continue                                             # continua on the lines π = 0.2
        stage = spbe.stage_equilibria(g, belief, check_e1=False)
        got = eq.strategy_nodes[0, b]
        assert any(all(np.allclose(s.strategy[i], got[i], atol=1e-8) for i in range(2)) for s in stage)
        match = [s for s in stage if all(np.allclose(s.strategy[i], got[i], atol=1e-8) for i in range(2))][0]
        for i in range(2):
            np.testing.assert_allclose(eq.values[0, b, i], match.values[i], atol=1e-9)


def test_lemma_4_2_recursion_from_the_fixed_point_stays_there(pg05):
    g = pg05.game
    eq = spbe.solve(g, grid=GRID, horizon=5, terminal_values=pg05.values[0], warm_start=pg05)
    for t in range(5):
        np.testing.assert_allclose(eq.values[t], pg05.values[0], atol=1e-7)


def test_long_horizon_approaches_infinite_horizon(pg05):
    g = pg05.game
    eq = spbe.solve(g, grid=GRID, horizon=40, verify=False)
    # |V_1^T - V| ≤ δ^T (‖V‖ + R_max/(1-δ)) when the same selection is made in every period
    gap = np.abs(eq.values[0] - pg05.values[0]).max()
    assert gap <= 0.5 ** 40 * 10 + 1e-6


def test_save_and_load_roundtrip(pg05, tmp_path):
    path = pg05.save(tmp_path / "eq.npz")
    with np.load(path, allow_pickle=False) as data:           # plain arrays only
        assert "strategy_nodes" in data
    eq = spbe.load(path)
    np.testing.assert_array_equal(eq.strategy_nodes, pg05.strategy_nodes)
    np.testing.assert_array_equal(eq.values, pg05.values)
    assert eq.epsilon == pg05.epsilon and eq.converged == pg05.converged
    assert eq.settings == pg05.settings
    pi = (0.37, 0.61)
    for a, b in zip(eq.strategy(pi), pg05.strategy(pi)):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_off_grid_strategy_is_a_stage_solution(pg05):
    eq = pg05
    V = ContinuationValue(eq.grid, eq.values[0])
    for pi in [(0.37, 0.61), (0.05, 0.93), (0.71, 0.12)]:
        gam = eq.strategy(pi)
        U = spbe.action_values(eq.game, pi, gam, V)
        gain = max(float((u.max(axis=1) - (p * u).sum(axis=1)).max()) for u, p in zip(U, gam))
        assert gain <= 1e-6


def test_simulation_follows_bayes_rule(pg05):
    sim = pg05.simulate(["L", "H"], 8, seed=3, belief=(0.5, 0.5))
    np.testing.assert_allclose(sim.beliefs.sum(axis=-1), 1.0, atol=1e-12)
    for t in range(8):
        pi = [sim.beliefs[t, i] for i in range(2)]
        gam = pg05.strategy(pi)
        expected = spbe.bayes_update(pg05.game, pi, gam, sim.actions[t])
        for i in range(2):
            np.testing.assert_allclose(sim.beliefs[t + 1, i], expected[i], atol=1e-12)
        assert sim.rewards[t, 0] == pg05.game.rewards[(0,) + tuple(sim.types[t]) + tuple(sim.actions[t])]


def test_batched_simulation_follows_bayes_rule_and_the_strategy(pg05):
    rng = np.random.default_rng(5)
    P = 400
    pH = rng.uniform(0.05, 0.95, size=(P, 2))
    types = (rng.random((P, 2)) >= pH).astype(np.int64)
    sim = pg05.simulate_many(types, np.stack([pH, 1 - pH], axis=-1), 4, seed=7)
    assert sim.beliefs.shape == (P, 5, 2, 2) and sim.actions.shape == (P, 4, 2)
    np.testing.assert_allclose(sim.beliefs.sum(axis=-1), 1.0, atol=1e-12)
    for p in range(0, P, 40):                          # Bayes' rule (6.19) on a sample of paths
        for t in range(4):
            pi = [sim.beliefs[p, t, i] for i in range(2)]
            expected = spbe.bayes_update(pg05.game, pi, pg05.strategy(pi), sim.actions[p, t])
            for i in range(2):
                np.testing.assert_allclose(sim.beliefs[p, t + 1, i], expected[i], atol=1e-10)
    # first-period actions are drawn from γ̃: the count of contributions matches Σ γ̃(1 | x) (4 s.d.)
    gam = np.array([[pg05.strategy([pH[p, 0], pH[p, 1]])[i][types[p, i], 1] for i in range(2)]
                    for p in range(P)])
    count, mean = sim.actions[:, 0].sum(), gam.sum()
    assert abs(count - mean) <= 4 * np.sqrt((gam * (1 - gam)).sum()) + 1
    with pytest.raises(ValueError, match="beliefs"):
        pg05.simulate_many(types[:2], np.ones((2, 2, 2)), 3)


def test_markov_and_three_agent_games_solve():
    g = spbe.examples.markov_public_goods(0.5, switch=0.2, learning_by_doing=0.1)
    eq = spbe.solve(g, grid=6)
    assert eq.converged and eq.grid_epsilon <= 1e-5
    g3 = spbe.examples.threshold_public_goods(0.3)
    # the Monte-Carlo check of a 3-agent game solves a stage problem at every distinct belief the
    # paths visit (seconds per hundred): a small sample here
    eq3 = spbe.solve(g3, grid=4, verify_options=dict(n_paths=2, steps=3, mc_beliefs=2, mc_paths=16))
    assert eq3.converged and eq3.grid_epsilon <= 1e-5
    # on grids this coarse the strategy between the nodes is an ε-equilibrium with ε of a few
    # 1e-3 per round (measured 5.4e-3 and 1.6e-2), and success says that it misses the tolerance
    for e in (eq, eq3):
        assert e.grid_epsilon <= e.epsilon and e.epsilon_per_round <= 0.05
        assert e.success == (e.verification["epsilon_per_round"] <= 1e-2
                             and e.verification["gain_per_round"]["p99"] <= 1e-3
                             and e.verification["value_error_per_round"] <= 1e-3)


def test_solve_rejects_bad_arguments():
    g = spbe.examples.public_goods(0.5)
    with pytest.raises(ValueError, match="grid"):
        spbe.solve(g, grid=1)
    with pytest.raises(ValueError, match="horizon"):
        spbe.solve(g, grid=5, horizon=0)
    with pytest.raises(ValueError, match="schedule"):
        spbe.solve(g, grid=5, options=dict(schedule=[0.5, 1.2]))
    with pytest.raises(ValueError, match="delta"):
        spbe.solve(g, grid=5, delta=1.0)
    with pytest.raises(ValueError, match="eta"):
        spbe.solve(g, grid=5, eta=0.6)


def test_an_unknown_option_is_named_with_the_known_ones():
    g = spbe.examples.public_goods(0.5)
    with pytest.raises(ValueError, match=r"options: unknown key 'foo'; known: \[.*'selection'.*\]"):
        spbe.solve(g, grid=5, options={"foo": 1})
    # an argument of solve given as an option is pointed back to the argument
    with pytest.raises(ValueError, match=r"options: unknown key 'tol' \('tol' is an argument of spbe.solve"):
        spbe.solve(g, grid=5, options={"tol": 1e-6})
    with pytest.raises(ValueError, match="options: expected a dict"):
        spbe.solve(g, grid=5, options=[("selection", "first")])


@pytest.mark.parametrize("name", sorted(DEFAULT_OPTIONS))
def test_an_option_given_as_a_keyword_argument_points_to_options(name):
    g = spbe.examples.public_goods(0.5)
    with pytest.raises(TypeError, match=rf"{name} is a solver option, not a keyword argument; "
                                        rf"pass options=\{{'{name}': "):
        spbe.solve(g, grid=5, verify=False, **{name: DEFAULT_OPTIONS[name]})


def test_options_are_recorded_in_the_settings():
    g = spbe.examples.public_goods(0.5)
    default = spbe.solve(g, grid=5, verify=False)
    # the keys of eq.settings (saved results, summary.json) are those recorded before options=
    assert set(default.settings) == {
        "delta", "horizon", "grid_resolution", "eta", "selection", "selection_rule", "accept_dist",
        "schedule", "damping", "anderson", "tol", "max_iter", "policy_iterations", "stage_tol",
        "n_starts", "max_unknowns", "offpath_rule", "symmetry", "backend", "scan_threshold",
        "flagged_refresh", "self_loops", "terminal_values_given"}
    for key in ("selection", "accept_dist", "damping", "anderson", "policy_iterations", "stage_tol",
                "n_starts", "max_unknowns", "scan_threshold", "flagged_refresh", "self_loops"):
        assert default.settings[key] == DEFAULT_OPTIONS[key], key
    assert default.settings["schedule"] == list(DEFAULT_OPTIONS["schedule"])
    chosen = dict(selection="first", accept_dist=0.25, schedule=(0.0,), damping=0.7, anderson=0,
                  policy_iterations=3, stage_tol=1e-10, n_starts=2, scan_threshold=1e-5,
                  flagged_refresh=2, self_loops=True, symmetry=False)
    eq = spbe.solve(g, grid=5, verify=False, options=chosen)
    assert set(eq.settings) == set(default.settings)
    for key, value in chosen.items():
        expected = list(value) if key == "schedule" else value
        assert eq.settings[key] == expected, key
    assert eq.settings["selection_rule"] == "first"
    assert chosen == dict(selection="first", accept_dist=0.25, schedule=(0.0,), damping=0.7, anderson=0,
                          policy_iterations=3, stage_tol=1e-10, n_starts=2, scan_threshold=1e-5,
                          flagged_refresh=2, self_loops=True, symmetry=False)     # not modified
    with pytest.raises(TypeError):
        DEFAULT_OPTIONS["anderson"] = 1                     # the defaults are read-only


def test_callback_can_stop_and_non_convergence_is_reported():
    g = spbe.examples.public_goods(0.5)
    eq = spbe.solve(g, grid=GRID, callback=lambda h: False, options=dict(policy_iterations=0), verify=False)
    assert not eq.converged and "not converged" in eq.message


def test_asymmetric_terminal_reward_turns_symmetry_off():
    g = spbe.examples.public_goods(0.5)
    grid = spbe.BeliefGrid(g, 5)
    G = np.zeros((grid.n_nodes, 2, 2))
    G[:, 0, 0] = 3.0                                 # only agent 1's type H is paid at the end
    eq = spbe.solve(g, grid=6, horizon=1, terminal_values=G, verify=False)
    assert eq.settings["symmetry"] is False
    V = ContinuationValue(eq.grid, G)
    assert node_regrets(eq, V).max() <= 1e-6
    with pytest.raises(ValueError, match="symmetry"):
        spbe.solve(g, grid=6, horizon=1, terminal_values=G, options=dict(symmetry=True), verify=False)


def test_warm_start_must_match_the_grid(pg05):
    # the infinite horizon interpolates a warm start from another grid (tests/test_grid_continuation.py);
    # the finite horizon cannot
    with pytest.raises(ValueError, match="warm_start"):
        spbe.solve(pg05.game, grid=GRID + 2, horizon=2, warm_start=pg05, verify=False)
    three_types = spbe.examples.contribution_game(0.5)
    with pytest.raises(ValueError, match="warm_start"):
        spbe.solve(three_types, grid=3, warm_start=pg05, verify=False)
