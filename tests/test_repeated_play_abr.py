"""The learning engine of mechanisms/repeated_play.py: the adaptive best-response dynamics on small
linear games whose equilibrium and contraction factor are known in closed form, joint updates,
private states and fixed-horizon runs."""
import pickle

import numpy as np
import pytest

from mechanisms.repeated_play import (DYNAMICS, Cournot, ExponentialAverage, FictitiousPlay,
                                      HeterogeneousWindow, RandomConvexWindow, SampledPast,
                                      WindowAverage, repeated_play)


def play(beta, start, **kwargs):
    """The engine with the joint best response ``beta`` (ch. 4 (4.17))."""
    return repeated_play(beta, start, joint=True, **kwargs)

# beta(m) = B m + b: players 0..2 hold scalars, B has zero diagonal and row sums 0.6 (a
# sup-norm contraction with factor 0.6); the equilibrium solves (I - B) m = b.
B = np.array([[0.0, 0.4, -0.2], [0.3, 0.0, 0.3], [-0.1, -0.5, 0.0]])
b = np.array([1.0, -2.0, 0.5])
M_STAR = np.linalg.solve(np.eye(3) - B, b)


def linear_beta(m):
    return B @ m + b


ALL_DYNAMICS = [Cournot(), WindowAverage(1), WindowAverage(4), ExponentialAverage(0.5),
                ExponentialAverage(0.9), RandomConvexWindow(3), RandomConvexWindow(3, per_player=True),
                HeterogeneousWindow(window=3), HeterogeneousWindow([[1, 0, 0], [0.2, 0.3, 0.5], [0, 0, 1]]),
                SampledPast(4)]


@pytest.mark.parametrize("dynamic", ALL_DYNAMICS, ids=lambda d: repr(d))
@pytest.mark.parametrize("order", ["simultaneous", "sequential", "asynchronous"])
def test_every_dynamic_and_order_reaches_the_fixed_point(dynamic, order):
    res = play(linear_beta, "random", start_scale=50.0,
                                 dynamic=dynamic, order=order, target=M_STAR, target_tol=1e-10,
                                 max_rounds=3000, seed=7, norm=np.inf)
    assert res.success and res.status == 4, res.message
    np.testing.assert_allclose(res.final, M_STAR, atol=1e-9)
    # sup-norm contraction: the running max of the distance never increases (ABR invariant)
    assert np.all(np.diff(np.maximum.accumulate(res.errors)) <= 0)
    assert res.errors[0] > 1.0


def test_cournot_matches_the_hand_iteration_and_window_bound():
    res = play(linear_beta, np.zeros(3), dynamic=Cournot(), max_rounds=5)
    m = np.zeros(3)
    for t in range(1, 6):
        m = linear_beta(m)
        np.testing.assert_allclose(res.history[t], m, rtol=0, atol=1e-15)
    # k-window: ||m_n - m*|| <= 0.6 max_{n-k <= s < n} ||m_s - m*||   (Definition 5.1 with contraction)
    res = play(linear_beta, np.full(3, 30.0), dynamic=WindowAverage(4), target=M_STAR,
                                 norm=np.inf, max_rounds=60)
    e = res.errors
    for n in range(1, e.size):
        assert e[n] <= 0.6 * e[max(0, n - 4):n].max() + 1e-12


def test_exponential_average_is_equation_4_31():
    # m_n = beta(m_{n-1}/2 + r_{n-1}/2), r_n = m_n/2 + r_{n-1}/2, r_0 = m_0
    res = play(linear_beta, np.full(3, 3.0), dynamic=ExponentialAverage(0.5), max_rounds=6)
    m = r = np.full(3, 3.0)
    for t in range(1, 7):
        m = linear_beta(m / 2 + r / 2)
        r = m / 2 + r / 2
        np.testing.assert_allclose(res.history[t], m, atol=1e-14)


def test_window_and_fictitious_play_average_the_right_rounds():
    seen = []

    def recording_beta(m):
        seen.append(np.array(m))
        return m + 1.0                      # not a game: just exposes the assessments
    play(recording_beta, np.zeros(2), dynamic=WindowAverage(3), max_rounds=5)
    # history: 0, 1, 1.5, 2+1/6 ... assessments are means of the last <= 3 profiles
    hist = [0.0]
    for a in seen:
        hist.append(a[0] + 1.0)
    for n, a in enumerate(seen, start=1):
        np.testing.assert_allclose(a[0], np.mean(hist[max(0, n - 3):n]))
    seen.clear()
    play(recording_beta, np.zeros(2), dynamic=FictitiousPlay(), max_rounds=5)
    hist = [0.0] + [a[0] + 1.0 for a in seen]
    for n, a in enumerate(seen, start=1):
        np.testing.assert_allclose(a[0], np.mean(hist[:n]))


def test_sequential_order_uses_newest_actions_and_is_faster():
    seq = play(linear_beta, np.zeros(3), order="sequential", target=M_STAR,
                                 target_tol=1e-12, max_rounds=500)
    sim = play(linear_beta, np.zeros(3), order="simultaneous", target=M_STAR,
                                 target_tol=1e-12, max_rounds=500)
    assert seq.success and sim.success and seq.nit < sim.nit
    # round 1, Gauss-Seidel: player 1 already sees player 0's new action
    m0 = B[0] @ np.zeros(3) + b[0]
    assert seq.history[1][1] == pytest.approx(B[1, 0] * m0 + b[1])


def test_asynchronous_players_that_do_not_update_repeat_their_action():
    res = play(linear_beta, np.zeros(3), order="asynchronous", update_probability=0.3,
                                 max_rounds=40, seed=3)
    h = np.array(res.history)
    moved = h[1:] != h[:-1]
    assert moved.any() and (~moved).any()      # some players update, some repeat, in some rounds
    again = play(linear_beta, np.zeros(3), order="asynchronous", update_probability=0.3,
                                   max_rounds=40, seed=3)
    np.testing.assert_array_equal(np.array(again.history), h)      # seeded


def test_per_player_best_responses():
    res = repeated_play(lambda i, prof, t: B[i] @ prof + b[i], np.zeros(3),
                        dynamic=WindowAverage(2), max_rounds=200, tol=1e-13)
    assert res.success and res.status == 0
    np.testing.assert_allclose(res.final, M_STAR, atol=1e-11)


def test_tuple_profiles_of_different_sizes():
    # player 0 holds 2 numbers, player 1 holds 1: beta is a contraction with fixed point (1, 1 | 2)
    def beta(prof):
        a, c = prof
        return (np.array([0.5 * c[0], 0.5 * c[0]]), np.array([0.5 * a.sum() + 1.0]))
    res = play(beta, (np.zeros(2), np.zeros(1)), dynamic=ExponentialAverage(),
                                 target=(np.ones(2), np.full(1, 2.0)), target_tol=1e-10, max_rounds=500)
    assert res.success and isinstance(res.final, tuple) and res.final[0].shape == (2,)
    np.testing.assert_allclose(res.final[1], [2.0], atol=1e-9)


def test_stopping_rules_divergence_and_nonfinite():
    grow = lambda m: 1.5 * m[::-1] + 1.0            # noqa: E731  (spectral radius 1.5)
    res = play(grow, np.zeros(2), target=np.full(2, -2.0), divergence_bound=1e6,
                                 max_rounds=1000)
    assert res.status == 6 and not res.success and res.errors[-1] > 1e6
    with np.errstate(over="ignore", invalid="ignore"):
        res = play(lambda m: m * 1e200, np.ones(2), max_rounds=10)
    assert res.status == 2 and not res.success
    res = play(linear_beta, np.zeros(3), max_rounds=7, tol=1e-15)
    assert res.status == 1 and res.nit == 7 and "max_rounds" in res.message and not res.success
    res = play(linear_beta, np.zeros(3), max_rounds=7)           # fixed horizon: no stopping rule
    assert res.status == 7 and res.nit == 7 and res.success
    res = play(linear_beta, np.zeros(3), stop=lambda s: s.round == 4, max_rounds=100)
    assert res.status == 5 and res.nit == 4 and res.success
    res = play(linear_beta, np.zeros(3), tol=1e-12, max_rounds=1000)
    assert res.status == 0 and res.changes[-1] <= 1e-12 and np.all(res.changes[:-1] > 1e-12)


def test_callback_monitor_and_history():
    states = []

    def cb(state):
        states.append((state.round, state.error, state.monitored["x0"]))
        if state.round == 6:
            raise StopIteration
    res = play(linear_beta, np.zeros(3), target=M_STAR, callback=cb, record_every=2,
                                 monitor=lambda m: {"x0": m[0]}, max_rounds=100)
    assert res.status == 3 and res.nit == 6 and not res.success
    assert [s[0] for s in states] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose([s[1] for s in states], res.errors[1:])
    np.testing.assert_allclose(res.monitored["x0"], [h[0] for h in
                               [np.zeros(3)] + [play(linear_beta, np.zeros(3),
                                                                       max_rounds=k).final for k in range(1, 7)]])
    assert res.history_rounds.tolist() == [0, 2, 4, 6] and len(res.history) == 4
    with pytest.raises(ValueError):
        res.history[1][0] = 3.0                     # frozen
    with pytest.raises(ValueError):
        res.errors[0] = 0.0


def test_rounds_to_and_record_every_zero():
    res = play(linear_beta, np.zeros(3), target=M_STAR, max_rounds=80, record_every=0)
    assert res.history_rounds.tolist() == [0, 80]
    r = res.rounds_to(1e-6)
    assert res.errors[r] <= 1e-6 < res.errors[r - 1]
    assert res.rounds_to(0.0) is None
    with pytest.raises(ValueError, match="target"):
        play(linear_beta, np.zeros(3), max_rounds=3).rounds_to(1.0)


def test_random_start_is_seeded_and_recorded():
    a = play(linear_beta, "random", target=M_STAR, start_scale=10, seed=11, max_rounds=2)
    c = play(linear_beta, "random", target=M_STAR, start_scale=10, seed=11, max_rounds=2)
    d = play(linear_beta, "random", target=M_STAR, start_scale=10, seed=12, max_rounds=2)
    np.testing.assert_array_equal(a.start, c.start)
    assert not np.array_equal(a.start, d.start)
    assert a.parameters["start"] == "random" and a.parameters["seed"] == 11
    t = play(lambda prof: prof, "random", target=(np.zeros(2), np.zeros(3)), seed=0, max_rounds=1)
    assert [x.shape for x in t.start] == [(2,), (3,)]


def test_result_pickles_with_its_parameters():
    res = play(linear_beta, np.zeros(3), dynamic=HeterogeneousWindow(window=2), seed=1,
                                 target=M_STAR, max_rounds=20)
    again = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(again.errors, res.errors)
    assert again.parameters["dynamic"] == HeterogeneousWindow(window=2)
    assert set(DYNAMICS) >= {"cournot", "window-average", "exponential-average", "fictitious-play"}


@pytest.mark.parametrize("kwargs, match", [
    ({"dynamic": "cournot"}, "dynamic"),
    ({"order": "random"}, "order"),
    ({"max_rounds": 0}, "max_rounds"),
    ({"tol": -1.0}, "tol"),
    ({"target_tol": 1e-3}, "target_tol"),
    ({"update_probability": 0.0}, "update_probability"),
    ({"norm": 1}, "norm"),
    ({"record_every": -1}, "record_every"),
    ({"monitor": 3}, "monitor"),
    ({"target": np.zeros(4)}, "target"),
])
def test_validation_names_the_argument(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        play(linear_beta, np.zeros(3), **kwargs)


@pytest.mark.parametrize("make, match", [
    (lambda: WindowAverage(0), "window"), (lambda: Cournot(2), "window"),
    (lambda: ExponentialAverage(0.0), "weight"), (lambda: RandomConvexWindow(3, concentration=0), "concentration"),
    (lambda: HeterogeneousWindow([[1, -1]]), "weights"), (lambda: SampledPast(0), "window"),
])
def test_dynamic_validation(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_start_validation():
    with pytest.raises(ValueError, match="start"):
        play(linear_beta, "zeros")
    with pytest.raises(ValueError, match="target"):
        play(linear_beta, "random")
    with pytest.raises(ValueError, match="start"):
        play(linear_beta, np.array([0.0, np.nan, 0.0]))
    with pytest.raises(TypeError, match="update"):
        play(3, np.zeros(3))


def test_cournot_responds_to_the_last_round_exactly():
    # m_n = beta(m_{n-1}) bit for bit over many rounds (no running sum that drifts)
    seen = []

    def beta(m):
        seen.append(np.array(m))
        return 0.9 * m[::-1] + np.array([1e-3, 1e8])
    res = play(beta, np.array([0.1, 0.7]), max_rounds=1500, record_every=1)
    for n in (1, 700, 1500):
        np.testing.assert_array_equal(seen[n - 1], res.history[n - 1])


def test_private_states_travel_beside_the_actions():
    # player i's state counts its updates and its action is the others' last action plus its count:
    # nothing is packed into the actions, and the states are recorded with the profiles
    def update(i, prof, t, count):
        return prof[1 - i] + count + 1, count + 1
    res = repeated_play(update, (np.zeros(1), np.zeros(1)), state=(0, 10), max_rounds=3,
                        order="sequential")
    assert res.status == 7 and res.success and res.state == (3, 13)
    assert res.states == ((0, 10), (1, 11), (2, 12), (3, 13))
    # round 1, sequential: a0 = 0 + 1 = 1, a1 = a0 + 11 = 12; round 2: a0 = 12 + 2 = 14, a1 = 14 + 12 = 26
    assert [float(p[0][0]) for p in res.history] == [0, 1, 14, 29]
    assert [float(p[1][0]) for p in res.history] == [0, 12, 26, 42]

    def joint(m, s):                                     # a joint update with one state object
        return m + s["step"], {"step": 2 * s["step"]}
    res = repeated_play(joint, np.zeros(2), joint=True, state={"step": 1.0}, max_rounds=4)
    np.testing.assert_array_equal(res.final, [15.0, 15.0])
    assert res.state == {"step": 16.0} and len(res.states) == 5
    with pytest.raises(ValueError, match="state"):
        repeated_play(joint, np.zeros(2), joint=True, state={"step": 1.0}, order="sequential")
    with pytest.raises(ValueError, match="state"):
        repeated_play(update, (np.zeros(1), np.zeros(1)), state=(0,))
