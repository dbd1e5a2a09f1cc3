"""The registry of named reproductions and the ch6-public-goods reproduction (quick run)."""
import json
import math

import numpy as np
import pytest

import spbe
from spbe import reproduce
from spbe.cli import main


def test_registry_lists_builtin_and_plugin_reproductions():
    names = reproduce.names()
    assert {"ch6-public-goods", "ch6-refinement"} <= set(names)
    # the mechanisms layer registers through entry points (spbe never imports it)
    assert {"ch1-3-mechanisms", "ch5-table2", "ch5-fig17", "ch5-fig18"} <= set(names)
    rep = reproduce.get("ch6-public-goods")
    assert rep.name == "ch6-public-goods" and "ch. 6" in rep.source
    with pytest.raises(KeyError, match="no reproduction called"):
        reproduce.get("no-such-thing")


def test_reproduction_records_are_validated(tmp_path):
    with pytest.raises(ValueError, match="name"):
        reproduce.Reproduction("has space", "d", "s", run=lambda out, quick: {})
    with pytest.raises(TypeError, match="run"):
        reproduce.Reproduction("x", "d", "s", run=None)
    # non-finite numbers become null, numpy values plain JSON
    record = reproduce._json_ready({"a": np.float64(np.nan), "b": np.arange(3), "c": {1: math.inf}})
    assert record == {"a": None, "b": [0, 1, 2], "c": {"1": None}}


def test_cli_reproduce_list_and_unknown_name(capsys, tmp_path):
    assert main(["reproduce", "--list"]) == 0
    assert "ch6-public-goods" in capsys.readouterr().out
    assert main(["reproduce", "no-such-thing", "--out", str(tmp_path)]) == 2


def test_ch6_public_goods_quick(tmp_path):
    record = reproduce.run("ch6-public-goods", tmp_path, quick=True)
    on_disk = json.loads((tmp_path / "ch6-public-goods.json").read_text())
    assert on_disk["name"] == "ch6-public-goods" and on_disk["quick"] is True
    d0, d5 = on_disk["deltas"]["0"], on_disk["deltas"]["0.5"]
    assert d0["converged"] and d5["converged"]
    # δ = 0: the analytic solution of notes §3.3, up to the trembles (η = 1e-7)
    checks = d0["analytic_checks"]
    assert checks["max_p_H"] <= 1e-6
    assert max(checks["region_A_error"], checks["region_B_error"], checks["region_C_error"]) <= 1e-5
    # vertices (notes A2): beliefs there are absorbing, stage Nash values per round
    for entry in (d0, d5):
        c = entry["corners"]
        assert c["pi=(0,1)"]["value_L"] == pytest.approx(0.8, abs=1e-5)
        assert c["pi=(1,0)"]["value_H"] == pytest.approx(1.0, abs=1e-5)
        assert c["pi=(1,1)"]["value_H"] == pytest.approx(0.0, abs=1e-5)
        assert c["pi=(0,0)"]["value_L"] == pytest.approx(0.8, abs=1e-5)
        assert entry["symmetry_gap"] <= 1e-8
        # the game-level check (a grid twice as fine, the strategy as played between the nodes):
        # δ = 0 is exact up to the trembles; at δ = 0.5 a few beliefs next to the region
        # boundaries gain up to about 1e-2 per round, the 99th percentile stays at the trembles' size
        assert entry["grid_epsilon_per_round"] <= 1e-6
        assert entry["epsilon_per_round"] <= 1e-2 and entry["gain_per_round"]["p99"] <= 1e-5
    # δ = 0: the L switch at π_1 = 0.9 is at π_2 = 0.2; on the line π_2 = 0.2 itself agent 1's L is
    # indifferent (a continuum of solutions), so the grid switch is the node 0.2 or the next, 0.3
    assert d0["switch_point_pi2_at_pi1_0_9"] in (pytest.approx(0.2), pytest.approx(0.3))
    # Fig. 21: signalling moves the switch up (R2), never down
    assert d5["switch_point_pi2_at_pi1_0_9"] >= d0["switch_point_pi2_at_pi1_0_9"]
    learning = on_disk["learning"]
    assert len(learning["fraction_learned"]) == learning["steps"] + 1
    assert all(0.0 <= f <= 1.0 for f in learning["fraction_learned"])
    for name in ("fig20_delta0_gamma1_L.png", "fig21_delta0.5_gamma1_L.png", "fig22_delta0.5_gamma1_H.png",
                 "learning_delta0.5.png", "equilibrium_delta0.5.npz"):
        assert (tmp_path / name).stat().st_size > 0
    eq = spbe.load(tmp_path / "equilibrium_delta0.5.npz")
    assert eq.converged and eq.delta == 0.5
    assert record["deltas"]["0.5"]["iterations"] == d5["iterations"]


@pytest.mark.slow
def test_ch6_refinement_quick(tmp_path):
    """The refinement study on grids 6 and 11: every solve is a fixed point of its grid problem;
    at δ = 0.5 the strategy is an ε-equilibrium of the game within 1e-2 per round on 11 x 11, at
    δ = 0.95 it is not (the study reports it, it does not hide it)."""
    record = reproduce.run("ch6-refinement", tmp_path, quick=True)
    rows = record["rows"]
    assert record["grids"] == [6, 11] and set(rows) == {"0.5", "0.95"}
    for rs in rows.values():
        for r in rs:
            assert r["converged"] and r["grid_epsilon_per_round"] <= 1e-6
            assert r["epsilon_per_round"] >= r["grid_epsilon_per_round"]
            assert r["success"] == (r["epsilon_per_round"] <= 1e-2 and r["p99_per_round"] <= 1e-3
                                    and r["value_error_per_round"] <= 1e-3)
    assert rows["0.5"][-1]["success"]
    assert not rows["0.95"][-1]["success"] and rows["0.95"][-1]["epsilon_per_round"] > 0.1
    assert (tmp_path / "refinement.png").stat().st_size > 1000
