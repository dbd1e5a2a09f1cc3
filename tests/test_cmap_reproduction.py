"""The registered reproduction ``seed000-cmap`` in quick mode."""
import json

import numpy as np

from spbe import reproduce


def test_quick_reproduction(tmp_path):
    assert "seed000-cmap" in reproduce.names()
    record = reproduce.run("seed000-cmap", tmp_path, quick=True)
    data = json.loads((tmp_path / "seed000-cmap.json").read_text())
    assert data["quick"] is True and record["name"] == "seed000-cmap"
    for name in data["figures"]:
        assert (tmp_path / name).stat().st_size > 10_000
    final = data["nsw_ratio_final"]
    assert {"cmap_sequential", "cmap_simultaneous", "cmap_damped", "proportional_response"} <= set(final)
    assert all(0 <= v <= 1 + 1e-12 for v in final.values())
    claims = data["seed_claims"]
    assert claims["3_identical_for_k_ge_1"]["holds"] is True
    assert data["oscillation_fixture"]["jacobi_period_2"] is True
    np.testing.assert_allclose(data["oscillation_fixture"]["jacobi_objective_by_round"],
                               np.log(0.3) + np.log(1.7), atol=1e-12)
    # the quick run records what it measured: one summary per (family, n), curves of length rounds + 1
    rounds = data["protocol"]["rounds"]
    assert len(data["cases"]) == len(data["protocol"]["families"]) * len(data["protocol"]["sizes"])
    for case in data["cases"]:
        seq = case["strategies"]["cmap_sequential"]
        assert len(seq["mean_nsw_ratio_by_round"]) == rounds + 1
        assert seq["fraction_objective_monotone"] == 1.0
