"""Reproduction ``ch6-public-goods``: thesis ch. 6 §5, Figs. 20-24 (work in progress, issue 3)."""
from __future__ import annotations

from ..reproduce import Reproduction


def run(out_dir, quick=False):
    raise NotImplementedError("ch6-public-goods: being written (issue 3)")


REPRODUCTION = Reproduction(
    name="ch6-public-goods",
    description="public-goods SPBE at δ = 0, 0.5, 0.95: strategy maps, (1-δ)V ranges, learning",
    source="Sinha thesis ch. 6 §5, Figs. 20-24",
    run=run, slow=True)
