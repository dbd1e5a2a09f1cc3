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
    # the seed's claims as measured: sequential CMAP reaches the optimum (NSW ratio >= 1 - 1e-6 in
    # every run), simultaneous CMAP does not (period-2 cycle, starved agents), damped CMAP and
    # proportional response end between the two
    assert final["cmap_sequential"] >= 1 - 1e-6
    assert final["cmap_simultaneous"] < final["cmap_damped"] <= final["cmap_sequential"]
    assert final["cmap_simultaneous"] < final["proportional_response"] <= final["cmap_sequential"]
    claims = data["seed_claims"]
    assert claims["1_sequential_converges"]["holds"] is True
    assert claims["1_sequential_converges"]["final_nsw_ratio_min"] >= 1 - 1e-6
    assert claims["2_simultaneous_can_oscillate_and_diverge"]["holds"] is True
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
