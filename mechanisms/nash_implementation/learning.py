"""Best-response learning on the ch. 1-3 mechanisms (through :mod:`mechanisms.repeated_play`).

The thesis claims nothing about learning for these mechanisms: they are "learning-ready" only in
the sense that every message profile gets a feasible allocation (ch. 1 Lemma 3.2, ch. 2 Lemma
3.2, ch. 3 Lemma 4.1). Best responses need not converge. On the notes' instance G1 (ch. 3) the
sequential best response started near the optimum drives prices to 0 and demands away from x*
(reproduction ``ch1-3-mechanisms`` records the run); each best response is the search of
:func:`~.deviations.best_response`, so it is approximate and bounded by its demand range.
"""
from __future__ import annotations

from mechanisms.repeated_play import repeated_play

from .deviations import best_response

__all__ = ["best_response_dynamics"]


def best_response_dynamics(mechanism, utilities, start, *, max_rounds: int = 20, tol: float = 1e-8,
                           order: str = "sequential", callback=None, **search_options):
    """Repeated (approximate) best response from the profile ``start``.

    Returns the :class:`~mechanisms.repeated_play.RepeatedPlayResult`; its ``history`` holds the
    message profiles (allocations: ``mechanism.allocation(mechanism.demands(profile))``);
    ``callback(state)`` receives the engine's :class:`~mechanisms.repeated_play.RoundState`.
    ``search_options`` go to :func:`~.deviations.max_deviation_gain` (e.g. ``n_grid``, ``y_high``).
    """
    start = mechanism.check_messages(start)
    options = {"local": False, "n_grid": 40, **search_options}

    def update(i, profile, round_):
        return best_response(mechanism, utilities, profile, i, **options)

    return repeated_play(update, start, max_rounds=max_rounds, tol=tol, order=order,
                         callback=callback)
