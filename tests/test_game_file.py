"""Game files (JSON/TOML, no code executed) and the CLI subcommands that use them."""
import json

import numpy as np
import pytest

import spbe
from spbe.cli import main
from spbe.game_file import GameFileError, game_from_dict, game_to_dict, load_game, save_game


def small_game_dict():
    g = spbe.examples.markov_public_goods(0.3, switch=0.2, learning_by_doing=0.1)
    return game_to_dict(g), g


def test_roundtrip_keeps_the_game(tmp_path):
    data, g = small_game_dict()
    h = load_game(save_game(g, tmp_path / "g.json"))
    assert h.types == g.types and h.actions == g.actions and h.delta == g.delta
    np.testing.assert_array_equal(h.rewards, g.rewards)
    for a, b in zip(h.kernels, g.kernels):
        np.testing.assert_allclose(a, b, atol=1e-15)
    assert h.static == g.static


def test_toml_file(tmp_path):
    pg = spbe.examples.public_goods(0.5)
    R = np.asarray(pg.rewards)
    rows = "[" + ", ".join(json.dumps(x) for x in R.tolist()) + "]"
    (tmp_path / "pg.toml").write_text(
        f'name = "pg"\ndelta = 0.5\nrewards = {rows}\n'
        '[[agents]]\ntypes = ["H", "L"]\nactions = ["0", "1"]\n'
        '[[agents]]\ntypes = ["H", "L"]\nactions = ["0", "1"]\nprior = [0.3, 0.7]\n')
    g = load_game(tmp_path / "pg.toml")
    np.testing.assert_array_equal(g.rewards, R)
    np.testing.assert_allclose(g.prior[1], [0.3, 0.7])
    np.testing.assert_allclose(g.prior[0], [0.5, 0.5])


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.pop("delta"), "delta: missing"),
    (lambda d: d.update(delta="high"), "delta"),
    (lambda d: d.update(delta=1.5), "delta"),
    (lambda d: d.update(colour=3), "colour: unknown field"),
    (lambda d: d["agents"][1].update(types=[]), r"agents\[1\]\.types"),
    (lambda d: d["agents"][0].update(actions=["a", "a"]), r"agents\[0\]\.actions"),
    (lambda d: d["agents"][0].update(kernel=[[0.5, 0.4], [0.5, 0.5]]), r"agents\[0\]\.kernel"),
    (lambda d: d["agents"][1].update(prior=[0.5, 0.6]), r"agents\[1\]\.prior"),
    (lambda d: d.update(rewards=[[1, 2], [3]]), "rewards"),
    (lambda d: d.update(rewards=np.zeros((2, 2, 2, 2, 3)).tolist()), "rewards: expected shape"),
    (lambda d: d.update(horizon=0), "horizon"),
])
def test_malformed_files_name_the_field(edit, field):
    data, _ = small_game_dict()
    edit(data)
    with pytest.raises(GameFileError, match=field):
        game_from_dict(data)


def test_cli_solve_verify_simulate_with_a_game_file(tmp_path, capsys):
    g = spbe.examples.public_goods(0.5)
    path = save_game(g, tmp_path / "pg.json")
    out = tmp_path / "res"
    assert main(["solve", str(path), "--grid", "5", "--out", str(out)]) == 0
    eq = spbe.load(out / "equilibrium.npz")
    assert eq.converged and eq.delta == 0.5 and eq.grid.resolution == (4, 4)
    capsys.readouterr()
    assert main(["verify", str(out / "equilibrium.npz"), "--paths", "2", "--steps", "3",
                 "--out", str(tmp_path / "v.json")]) == 0
    report = json.loads((tmp_path / "v.json").read_text())
    assert report["epsilon"] == pytest.approx(eq.epsilon, rel=0.5, abs=1e-6)
    assert report["check_resolution"] == [8, 8]
    assert main(["simulate", str(out / "equilibrium.npz"), "--types", "L,H", "--steps", "4",
                 "--belief", "0.5,0.5", "--out", str(tmp_path / "s.json")]) == 0
    sim = json.loads((tmp_path / "s.json").read_text())
    assert np.array(sim["beliefs"]).shape == (5, 2, 2) and sim["types"][0] == [1, 0]
    np.testing.assert_allclose(np.array(sim["beliefs"]).sum(axis=-1), 1.0, atol=1e-12)
    assert main(["plot", str(out / "equilibrium.npz"), "--out", str(tmp_path / "fig"), "--format", "png,pdf"]) == 0
    names = {p.name for p in (tmp_path / "fig").iterdir()}
    assert {"strategy_agent1_L_action1.png", "kind_of_play_agent2.pdf", "convergence.png"} <= names
    # errors: a malformed game file names the field; a missing file is an error, not a crash
    bad = tmp_path / "bad.json"
    data = game_to_dict(g)
    data["agents"][0]["prior"] = [0.9, 0.9]
    bad.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["solve", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert "agents[0].prior" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing.npz")]) == 2
    assert main(["simulate", str(out / "equilibrium.npz"), "--types", "L"]) == 2


def test_play_kind_classifies_pooling_separating_mixed():
    from spbe.plot import play_kind
    assert play_kind([[0.3, 0.7], [0.3, 0.7]]) == 0          # both types alike: pooling
    assert play_kind([[1.0, 0.0], [0.0, 1.0]]) == 1          # distinct pure actions: separating
    assert play_kind([[1.0, 0.0], [0.4, 0.6]]) == 2          # one type mixes
    # δ = 0 public goods at (0.5, 0.5): H never contributes, L always does: separating
    eq = spbe.solve(spbe.examples.public_goods(0.0), grid=3)
    b = eq.grid.locate([[0.5, 0.5], [0.5, 0.5]])
    assert play_kind(eq.strategy_nodes[0, b, 0], tol=1e-6) == 1
