"""Mechanisms built above spbe (thesis ch. 1-5 and the market seed papers).

Shared by every subpackage:

* :mod:`mechanisms.results`: :class:`~mechanisms.results.MechanismResult`, the one record of an
  equilibrium check or incentive certificate (``success``, ``message``, ``method`` exact |
  lp-certified | searched, ``max_gain``, ``budget_imbalance``, ``individually_rational``);
* :mod:`mechanisms.protocol`: an instance, mechanisms that run on it, and ``compare``;
* :mod:`mechanisms._levels`: the one level / multiplier search (water-filling, equal awards,
  monotone prices and multipliers, ε thresholds);
* :mod:`mechanisms.graphs`: graph families and ``scipy.sparse.csgraph`` distances;
* :mod:`mechanisms.repeated_play`: the one learning engine (every dynamic of the layer).

Subpackages: ``nash_implementation`` (ch. 1-3), ``distributed`` (ch. 4), ``fair_allocation``
(ch. 5), ``cmap``, ``share_auction``, ``barter``, ``crisdis`` (seeds 000, 001, 003, 004).
Each reproduction's quick-run numbers are pinned in ``<subpackage>/evidence/<name>.quick.json``,
and the full runs in ``<name>.full.json`` (``seed000-cmap``'s compressed, ``.full.json.gz``).
"""
