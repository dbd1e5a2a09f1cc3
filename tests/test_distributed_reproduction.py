"""The ch4-convergence reproduction (quick run) through the spbe registry."""
import json

import pytest

from spbe import reproduce


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ch4")
    numbers = reproduce.run("ch4-convergence", out, quick=True)
    return out, numbers


def test_registered_under_its_name():
    assert "ch4-convergence" in reproduce.names()
    rep = reproduce.get("ch4-convergence")
    assert rep.name == "ch4-convergence" and "Figures 12-15" in rep.source


def test_quick_run_numbers_and_figures(quick_run):
    out, numbers = quick_run
    saved = json.loads((out / "ch4-convergence.json").read_text())
    assert saved["quick"] is True
    # Table 1 on the binary tree
    assert saved["delta_private_tree"] == pytest.approx(1005.6, abs=0.05)
    assert saved["delta_public_tree"] == pytest.approx(0.9506, abs=2e-4)
    curves = {f"{k}/{g}/{d}" for k in ("private", "public") for g in ("tree", "er") for d in ("D1-exp", "D2-window10")}
    assert set(saved["rounds_to_1e-3"]) == curves and set(saved["rounds_to_1e-5"]) == curves
    for p in saved["parameters"].values():
        assert p["eta_squared_below_R"]
    # public runs reach 1e-5 within the cap; the relative distance there is of order 1e-8 (§5.2)
    for name, c in saved["curves"].items():
        if name.startswith("public"):
            r5 = saved["rounds_to_1e-5"][name]
            assert r5 is not None and saved["rounds_to_1e-3"][name] < r5
            assert 1e-9 < c["relative_distance_at_1e-5"] < 1e-7
            assert c["log10_rate_per_round"] < 0
        else:                                              # quick: private runs are capped
            assert c["rounds_played"] <= saved["caps"]["private"]
            assert c["final_distance"] < 0.9 * c["equilibrium_l2_norm"]     # m_0 = 0: the distance fell
    obs = saved["observations"]
    assert obs["public: ER faster than tree with D1-exp"] and obs["public: ER faster than tree with D2-window10"]
    assert obs["public: D1 faster than D2 on tree"] and obs["public: D1 faster than D2 on er"]
    sm = saved["small_message_mechanism"]
    assert sm["total_message_dimension"] == 122 and sm["proxy_mechanism_total_dimension"] == 992
    assert sm["final_distance"] > 1e3 > 1e-4 > sm["initial_distance"]
    assert len(saved["figures"]) == 4
    for f in saved["figures"]:
        data = (out / f.split("/")[-1]).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert numbers["delta_private_tree"] == saved["delta_private_tree"]
