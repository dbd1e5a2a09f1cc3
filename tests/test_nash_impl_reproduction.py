"""The registered reproduction ``ch1-3-mechanisms`` in quick mode."""
import json

import pytest

from spbe import reproduce


def test_quick_reproduction(tmp_path):
    assert "ch1-3-mechanisms" in reproduce.names()
    record = reproduce.run("ch1-3-mechanisms", tmp_path, quick=True)
    data = json.loads((tmp_path / "ch1-3-mechanisms.json").read_text())
    assert data["quick"] is True and record["name"] == "ch1-3-mechanisms"
    assert (tmp_path / "ch1-3-mechanisms.png").stat().st_size > 10_000
    names = {r["name"] for r in data["instances"]}
    assert names == {"U1", "U1b", "M1", "F9", "G1", "G2", "G3", "G4", "G5"}
    for r in data["instances"]:
        for key in ("name", "chapter", "mechanism", "max_deviation_gain", "allocation_error", "total_tax"):
            assert key in r
        assert r["allocation_error"] <= 1e-9
        if r["expected_equilibrium"]:
            assert r["max_deviation_gain"] <= 1e-8, (r["name"], r["mechanism"], r["setting"])
        else:
            assert r["max_deviation_gain"] > 1e-3
        assert r["budget_balance_holds"] == r["expected_budget_balance"]
        if r["mechanism"].endswith("wbb"):
            assert r["total_tax"] >= 0
    printed_f9 = [r for r in data["instances"] if r["name"] == "F9" and r["mechanism"] == "ch2-sbb-printed"]
    assert printed_f9 and printed_f9[0]["max_deviation_gain"] == pytest.approx(1 / 32, abs=1e-9)
    assert data["all_as_expected"] is True
    lo, hi = data["eta_threshold_u1"]["threshold_bracket"]
    assert 1.0 <= lo < hi <= 1.1
