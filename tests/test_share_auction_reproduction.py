"""The registered reproduction ``seed001-share-auction`` in quick mode."""
import json

import numpy as np

from spbe import reproduce


def test_quick_reproduction(tmp_path):
    assert "seed001-share-auction" in reproduce.names()
    record = reproduce.run("seed001-share-auction", tmp_path, quick=True)
    data = json.loads((tmp_path / "seed001-share-auction.json").read_text())
    assert data["quick"] is True and record["name"] == "seed001-share-auction"
    for name in data["figures"]:
        assert (tmp_path / name).stat().st_size > 10_000
    assert set(data["efficiency"]) == {"sparse", "moderate", "dense"}
    deadlines = data["protocol"]["deadlines"]
    for density, rows in data["efficiency"].items():
        rows = np.array(rows)
        assert rows.shape == (len(deadlines), 4)
        np.testing.assert_array_equal(rows[:, 0], deadlines)
        assert np.all(rows[:, 1] == rows[0, 1]) and np.all(rows[:, 3] == rows[0, 3])
        assert rows[0, 2] == rows[0, 1]  # deadline 0: no optimization round
        assert np.all(np.diff(rows[:, 2]) >= -1e-12)  # Theorem 4, averaged
        assert np.all(rows[:, 2] <= data["densities"][density]["allocative_optimum"][0])
