"""spbe.plot: slices of belief spaces beyond the 2 x 2 square, kinds of play with more types,
belief trajectories, and PNG/PDF output."""
from itertools import product

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import spbe  # noqa: E402
from spbe import plot  # noqa: E402
from spbe.plot import play_kind  # noqa: E402


def _mixed_types_game(delta=0.3):
    """Two agents: agent 1 with three types (L, M, H), agent 2 with two (H, L); public good
    provided when anyone contributes, R^i = 1{a^1 + a^2 >= 1} - cost(x^i) a^i."""
    c1, c2 = (0.2, 0.6, 1.2), (1.2, 0.2)
    R = np.zeros((2, 3, 2, 2, 2))
    for x1, x2, a1, a2 in product(range(3), range(2), range(2), range(2)):
        provided = float(a1 + a2 >= 1)
        R[0, x1, x2, a1, a2] = provided - c1[x1] * a1
        R[1, x1, x2, a1, a2] = provided - c2[x2] * a2
    return spbe.DynamicGame(R, types=[("L", "M", "H"), ("H", "L")], actions=[("0", "1")] * 2,
                            delta=delta, name="mixed-types")


@pytest.fixture(scope="module")
def eq3():
    """3 agents x 2 types, δ = 0, resolution 2 (27 nodes)."""
    return spbe.solve(spbe.examples.threshold_public_goods(0.0, n_agents=3), grid=3, delta=0.0,
                      verify=False)


@pytest.fixture(scope="module")
def eq32():
    """Agent 1 with 3 types, agent 2 with 2; δ = 0.3, resolution 4 (15 x 5 nodes)."""
    return spbe.solve(_mixed_types_game(), grid=5, delta=0.3, verify=False)


@pytest.fixture(scope="module")
def pg():
    return spbe.solve(spbe.examples.public_goods(0.0), grid=3, verify=False)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _image(fig):
    """The data of the heat map of a figure, indexed like the slice: [x index, y index]."""
    return np.ma.getdata(fig.axes[0].images[0].get_array()).T, np.ma.getmaskarray(
        fig.axes[0].images[0].get_array()).T


def _belief(eq, pb):
    return [pb[i, :m] for i, m in enumerate(eq.game.n_types)]


# ---------------------------------------------------------------------- slices
def test_default_slice_of_three_agents_is_the_first_two_on_the_grid(eq3):
    sl = plot.belief_slice(eq3)
    assert sl.axes == ((0, 0), (1, 0))
    np.testing.assert_array_equal(sl.x, [0, 0.5, 1])
    assert sl.inside.all() and (sl.nodes >= 0).all()          # agent 3 at its prior 0.5: a node
    for r, c in product(range(3), range(3)):
        np.testing.assert_allclose(sl.beliefs[r, c, :, 0], [sl.x[r], sl.y[c], 0.5])
    assert "π3(H)=0.5" in sl.describe()


def test_strategy_slice_equals_eq_strategy_at_the_slice_points(eq3):
    # agent 3 held at 0.3 (off the grid) and 4 values per axis: every point is re-solved
    fixed = [None, None, 0.3]
    fig = plot.strategy_map(eq3, agent=2, type_=1, action=1, axes=((0, 0), (1, 0)), fixed=fixed, points=4)
    data, mask = _image(fig)
    sl = plot.belief_slice(eq3, ((0, 0), (1, 0)), fixed, points=4)
    assert data.shape == (4, 4) and not mask.any() and (sl.nodes == -1).all()
    for r, c in product(range(4), range(4)):
        pi = _belief(eq3, sl.beliefs[r, c])
        assert pi[2][0] == pytest.approx(0.3) and pi[0][0] == pytest.approx(sl.x[r])
        assert data[r, c] == pytest.approx(eq3.strategy(pi)[2][1, 1], abs=1e-9)
    # the value slice is eq.value, times (1 - δ) = 1
    vdata, _ = _image(plot.value_map(eq3, agent=1, type_=0, axes=((0, 0), (1, 0)), fixed=fixed, points=4))
    for r, c in product(range(4), range(4)):
        assert vdata[r, c] == pytest.approx(eq3.value(_belief(eq3, sl.beliefs[r, c]))[1][0], abs=1e-12)


def test_on_grid_slice_points_show_the_node_data(eq32):
    sl = plot.belief_slice(eq32)                  # π^1(L) against π^2(H); M and H split 1:1 (prior)
    assert sl.axes == ((0, 0), (1, 0)) and sl.shape == (5, 5)
    on = sl.nodes >= 0
    # π^1 = (k/4, (1 - k/4)/2, (1 - k/4)/2) is a node for even k only
    np.testing.assert_array_equal(on.all(axis=1), [True, False, True, False, True])
    assert not on[1].any() and not on[3].any()
    gamma, flags = sl.strategies()
    values = sl.values()
    for r, c in zip(*np.nonzero(on)):
        node = sl.nodes[r, c]
        np.testing.assert_array_equal(gamma[r, c], eq32.strategy_nodes[0, node])
        np.testing.assert_allclose(values[r, c], eq32.values[0, node], rtol=0, atol=1e-12)
        assert flags[r, c] == eq32.flagged[0, node]
    for r, c in zip(*np.nonzero(~on)):            # off the grid: what eq.strategy re-solves
        got = eq32.strategy(_belief(eq32, sl.beliefs[r, c]))
        np.testing.assert_allclose(gamma[r, c, 0, :3, :2], got[0], atol=1e-9)
    # the figures show exactly these numbers
    data, _ = _image(plot.strategy_map(eq32, agent=0, type_=2, action=1))
    np.testing.assert_allclose(data, gamma[..., 0, 2, 1])
    vdata, _ = _image(plot.value_map(eq32, agent=1, type_=0))
    np.testing.assert_allclose(vdata, (1 - 0.3) * values[..., 1, 0])


def test_split_of_the_remaining_probability_follows_the_fixed_belief(eq32):
    sl = plot.belief_slice(eq32, fixed=[[0.2, 0.2, 0.6], None], points=3)
    for r, p in enumerate(sl.x):
        np.testing.assert_allclose(sl.beliefs[r, 0, 0], [p, 0.25 * (1 - p), 0.75 * (1 - p)])
    # no mass on the other types in the fixed belief: split uniformly
    sl = plot.belief_slice(eq32, fixed=[[1.0, 0.0, 0.0], None], points=3)
    np.testing.assert_allclose(sl.beliefs[0, 0, 0], [0.0, 0.5, 0.5])
    # the free coordinate of agent 2 can be its second type
    sl = plot.belief_slice(eq32, axes=((0, 2), (1, 1)), points=3)
    np.testing.assert_allclose(sl.beliefs[2, 0, 1, :2], [1.0, 0.0])       # π^2(L) = 0
    np.testing.assert_allclose(sl.beliefs[0, 2, 0], [0.5, 0.5, 0.0])      # π^1(H) = 0


def test_triangle_slice_of_one_agents_simplex(eq32):
    axes = ((0, 0), (0, 1))
    fig = plot.strategy_map(eq32, agent=0, type_=1, action=1, axes=axes, fixed=[None, 0.25])
    data, mask = _image(fig)
    sl = plot.belief_slice(eq32, axes, [None, 0.25])
    X, Y = np.meshgrid(sl.x, sl.y, indexing="ij")
    np.testing.assert_array_equal(sl.inside, X + Y <= 1 + 1e-12)
    np.testing.assert_array_equal(mask, ~sl.inside)               # outside the simplex: blank
    assert (sl.nodes[sl.inside] >= 0).all()                       # π^2(H) = 1/4 is on the grid
    for r, c in zip(*np.nonzero(sl.inside)):
        b = sl.beliefs[r, c]
        np.testing.assert_allclose(b[0], [sl.x[r], sl.y[c], 1 - sl.x[r] - sl.y[c]], atol=1e-15)
        assert data[r, c] == eq32.strategy_nodes[0, sl.nodes[r, c], 0, 1, 1]


def test_bad_slices_are_refused(eq32, pg):
    with pytest.raises(ValueError, match="two types"):
        plot.belief_slice(eq32, axes=((1, 0), (1, 1)))
    with pytest.raises(ValueError, match="agent 2 is outside"):
        plot.belief_slice(eq32, axes=((0, 0), (2, 0)))
    with pytest.raises(ValueError, match="no type 3"):
        plot.belief_slice(eq32, axes=((0, 3), (1, 0)))
    with pytest.raises(ValueError, match="must differ"):
        plot.belief_slice(eq32, axes=((0, 0), (0, 0)))
    with pytest.raises(ValueError, match="one entry per agent"):
        plot.belief_slice(eq32, fixed=[0.5])
    with pytest.raises(ValueError, match="type_"):
        plot.strategy_map(eq32, agent=1, type_=2)


def test_square_games_keep_their_maps_and_agree_with_the_slice(pg):
    fig = plot.strategy_map(pg, agent=0, type_=1, action=1)
    data, _ = _image(fig)
    np.testing.assert_array_equal(data, pg.strategy_nodes[0, :, 0, 1, 1].reshape(pg.grid.shape))
    assert fig.axes[0].get_xlabel() == r"$\pi_1 = P(x^1 = H)$"
    sliced, _ = _image(plot.strategy_map(pg, agent=0, type_=1, action=1, axes=((0, 0), (1, 0))))
    np.testing.assert_array_equal(sliced, data)
    kinds, _ = _image(plot.case_map(pg, agent=1))
    assert [t.get_text() for t in plt.gcf().axes[-1].get_yticklabels()] == list(plot.KINDS[:3])
    sliced, _ = _image(plot.case_map(pg, agent=1, axes=((0, 0), (1, 0))))
    np.testing.assert_array_equal(sliced, kinds)


# ---------------------------------------------------------------------- kinds of play
def test_play_kind_counts_the_tremble_boundary_layer_as_off_path():
    # the 51 x 51, δ = 0.95 public-goods play at (0.6, 0.3): both types keep "contribute" in the
    # boundary layer, so on the path they pool; the ratio 84 : 1 is the off-path belief
    boundary_layer = [[1 - 8.4e-6, 8.4e-6], [1 - 1e-7, 1e-7]]
    assert play_kind(boundary_layer) == 0
    assert play_kind(boundary_layer, tol=1e-6) == 2
    assert play_kind([[0.999, 0.001], [1 - 1e-7, 1e-7]]) == 2      # 1e-3 is on the path: mixed


def test_play_kind_with_three_types():
    assert play_kind([[0.3, 0.7]] * 3) == 0                                       # pooling
    assert play_kind(np.eye(3)) == 1                                              # separating
    assert play_kind([[1, 0], [1, 0], [0, 1]]) == 3                               # partially pooling
    assert play_kind([[1, 0, 0], [0, 0, 1], [0, 0, 1]]) == 3
    assert play_kind([[1, 0], [1, 0], [0.5, 0.5]]) == 2                           # one type mixes
    assert play_kind([[1 - 1e-7, 1e-7], [1e-7, 1 - 1e-7], [1e-7, 1 - 1e-7]]) == 3  # trembles
    assert plot.KINDS[3] == "partially pooling" and plot.KINDS[:3] == ("pooling", "separating", "mixed")
    # two types: the old meanings
    assert play_kind([[1, 0], [0, 1]]) == 1 and play_kind([[0.3, 0.7], [0.3, 0.7]]) == 0
    assert play_kind([[1, 0], [0.4, 0.6]]) == 2


@pytest.mark.parametrize("agent", [0, 1])
def test_case_map_kind_agrees_with_play_kind_at_the_nodes(eq32, agent):
    fig = plot.case_map(eq32, agent=agent)
    kinds, mask = _image(fig)
    assert not mask.any()
    sl = plot.belief_slice(eq32)
    m = eq32.game.n_types[agent]
    for r, c in zip(*np.nonzero(sl.nodes >= 0)):
        assert kinds[r, c] == play_kind(eq32.strategy_nodes[0, sl.nodes[r, c], agent, :m, :2])
    gamma, _ = sl.strategies()
    for r, c in zip(*np.nonzero(sl.nodes < 0)):
        assert kinds[r, c] == play_kind(gamma[r, c, agent, :m, :2])
    labels = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    assert labels == list(plot.KINDS[:4 if m == 3 else 3])


def test_case_map_of_three_agents(eq3):
    kinds, _ = _image(plot.case_map(eq3, agent=2, axes=((1, 0), (2, 0))))
    sl = plot.belief_slice(eq3, ((1, 0), (2, 0)))
    for r, c in product(range(3), range(3)):
        assert kinds[r, c] == play_kind(eq3.strategy_nodes[0, sl.nodes[r, c], 2, :2, :2])


# ---------------------------------------------------------------------- trajectories
def test_trajectories_over_the_square(pg):
    sims = [pg.simulate([0, 1], 4, seed=k, belief=[0.5, 0.5]) for k in range(3)]
    fig = plot.trajectories(sims, pg)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "-"]
    assert len(lines) == 3
    for ln, s in zip(lines, sims):
        np.testing.assert_array_equal(ln.get_xdata(), s.beliefs[:, 0, 0])
        np.testing.assert_array_equal(ln.get_ydata(), s.beliefs[:, 1, 0])
    with pytest.raises(ValueError, match="square"):
        plot.trajectories(sims, pg, kind="nonsense")


def test_trajectories_as_time_series(eq3, eq32):
    P = 4
    g = eq3.game
    sims = eq3.simulate_many(np.tile([0, 1, 1], (P, 1)), np.broadcast_to(g.padded_belief(g.prior), (P, 3, 2)),
                             steps=3, seed=0)
    fig = plot.trajectories(sims, eq3)
    assert len(fig.axes) == 3                                     # one panel per agent
    for i, ax in enumerate(fig.axes):
        lines = ax.get_lines()
        assert len(lines) == P                                    # two types: π^i(first type) only
        for ln, b in zip(lines, sims.beliefs):
            np.testing.assert_array_equal(ln.get_ydata(), b[:, i, 0])
    fig = plot.trajectories(sims, eq3, true_type=True, agents=[1])
    assert len(fig.axes) == 1
    for ln, b, x in zip(fig.axes[0].get_lines(), sims.beliefs, sims.types):
        np.testing.assert_array_equal(ln.get_ydata(), b[np.arange(4), 1, x[:, 1]])
    # three types: every type's probability, one colour per type
    g = eq32.game
    s = eq32.simulate([2, 0], 3, seed=1)
    fig = plot.trajectories([s, s], eq32)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3 * 2 and len({ln.get_color() for ln in lines}) == 3
    np.testing.assert_array_equal(lines[-1].get_ydata(), s.beliefs[:, 0, 2])


# ---------------------------------------------------------------------- output
def test_figures_are_written_as_png_and_pdf(eq3, eq32, tmp_path):
    figs = dict(strategy=plot.strategy_map(eq3, agent=0),
                value=plot.value_map(eq32, agent=0, type_=2),
                kinds=plot.case_map(eq32, agent=0, axes=((0, 0), (0, 1))),
                paths=plot.trajectories(eq32.simulate([0, 1], 2, seed=0), eq32),
                history=plot.convergence(eq32))
    for name, fig in figs.items():
        written = plot.save(fig, tmp_path / "figs" / f"{name}.png")     # the suffix is replaced
        assert [p.name for p in written] == [f"{name}.png", f"{name}.pdf"]
        png, pdf = (p.read_bytes() for p in written)
        assert png.startswith(b"\x89PNG") and len(png) > 2000
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_cli_plot_writes_slices(eq3, tmp_path, capsys):
    from spbe.cli import main
    eq3.save(tmp_path / "eq.npz")
    assert main(["plot", str(tmp_path / "eq.npz"), "--out", str(tmp_path / "f"), "--format", "png,pdf",
                 "--axes", "1:H,3:H", "--fixed", "prior,0.5,prior"]) == 0
    for name in ("strategy_agent2_L_action1", "value_agent3_H", "kind_of_play_agent1", "convergence"):
        for fmt in ("png", "pdf"):
            assert (tmp_path / "f" / f"{name}.{fmt}").stat().st_size > 1000
    assert main(["plot", str(tmp_path / "eq.npz"), "--out", str(tmp_path / "g"), "--fixed=-,0.3,-",
                 "--points", "2"]) == 0
    assert (tmp_path / "g" / "strategy_agent1_H_action1.png").exists()
    assert main(["plot", str(tmp_path / "eq.npz"), "--out", str(tmp_path / "g"), "--axes", "1:H,4:H"]) == 2
    assert "agent 4 is outside" in capsys.readouterr().err
