"""The command line prints what the stage solver finds."""
import pytest

from spbe.cli import main


def test_examples_lists_catalog(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for name in ("public-goods", "markov-public-goods", "threshold-public-goods", "contribution-game"):
        assert name in out


def test_stage_prints_all_equilibria(capsys):
    assert main(["stage", "public-goods", "--belief", "0.1,0.15", "--belief", "0.5,0.5"]) == 0
    out = capsys.readouterr().out
    assert "pi1=[0.1, 0.9], pi2=[0.15, 0.85]: 3 equilibria" in out
    assert "P(a=1|L)=0.8889" in out              # the mixed solution 0.8 / (1 - 0.1)
    assert "pi1=[0.5, 0.5], pi2=[0.5, 0.5]: 1 equilibria" in out


def test_stage_rejects_unknown_game_and_bad_belief(capsys):
    assert main(["stage", "no-such-game"]) == 2
    with pytest.raises(Exception, match="expected 2 comma-separated entries"):
        main(["stage", "public-goods", "--belief", "0.1"])


def test_solve_writes_a_loadable_result_and_figures(tmp_path, capsys):
    import json

    import spbe
    assert main(["solve", "public-goods", "--delta", "0.5", "--grid", "6", "--out", str(tmp_path)]) == 0
    eq = spbe.load(tmp_path / "equilibrium.npz")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["converged"] and eq.converged
    assert summary["epsilon"] == eq.epsilon <= 1e-6
    for name in ("strategy_agent1_L_action1.png", "strategy_agent1_H_action1.png", "value_agent1_L.png",
                 "convergence.png"):
        assert (tmp_path / name).stat().st_size > 1000
    assert "converged: θ solves (6.17a)" in capsys.readouterr().out
