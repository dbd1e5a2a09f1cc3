"""A small, mechanism-agnostic repeated-play engine (first version; issue 8 extends it).

Players hold actions (one float array each). In every round each player's action is replaced by
``update(player, profile, round)``: one after the other with the newest actions
(``order="sequential"``, Gauss-Seidel) or all from the previous round's profile
(``order="simultaneous"``, Jacobi). The run stops when no action moved by more than
``tol * (1 + |old action|)`` (max norm) in a round (``converged``), after ``max_rounds`` rounds, when
an action is not finite, or when ``callback`` raises ``StopIteration``. The result records every
round's profile.

Example
-------
>>> import numpy as np
>>> res = repeated_play(lambda i, prof, t: 0.5 * prof[1 - i] + 1, (np.zeros(1), np.zeros(1)),
...                     tol=1e-12, max_rounds=200)
>>> res.converged, np.round(res.final[0], 6).tolist()
(True, [2.0])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["RepeatedPlayResult", "repeated_play", "ORDERS", "STATUS_MESSAGES"]

ORDERS = ("sequential", "simultaneous")
STATUS_MESSAGES = {
    0: "converged: no action moved by more than tol in round {rounds}",
    1: "max_rounds = {rounds} reached without convergence (last change {change:.3g})",
    2: "stopped in round {rounds}: an action is not finite",
    3: "stopped by callback in round {rounds}",
}


@dataclass(frozen=True, eq=False)
class RepeatedPlayResult:
    """Result of :func:`repeated_play`.

    Attributes
    ----------
    converged : bool
    rounds : int                  rounds played
    history : tuple               ``history[t]`` = profile after round ``t`` (``history[0]`` = start)
    final : tuple of ndarray      last profile
    changes : ndarray (rounds,)   largest relative action change in each round
    success, status, message, method, parameters : as in scipy / the style guide
    """
    converged: bool
    rounds: int
    history: tuple = field(repr=False)
    final: tuple = field(repr=False)
    changes: np.ndarray = field(repr=False)
    success: bool = False
    status: int = 1
    message: str = ""
    method: str = "repeated-play"
    parameters: dict = field(default_factory=dict)


def _freeze(profile):
    out = []
    for a in profile:
        a = np.array(a, dtype=np.float64, copy=True).ravel()
        a.setflags(write=False)
        out.append(a)
    return tuple(out)


def repeated_play(update: Callable, start, *, max_rounds: int = 100, tol: float = 1e-8,
                  order: str = "sequential", players=None, callback: Callable | None = None,
                  record_history: bool = True) -> RepeatedPlayResult:
    """Run ``update`` for the players over rounds from ``start``.

    Parameters
    ----------
    update : callable
        ``update(player: int, profile: tuple of ndarray, round: int) -> array_like``: the
        player's new action (a best response, a gradient step, ...).
    start : sequence of array_like
        Initial action of every player.
    max_rounds : int
        Largest number of rounds (>= 1).
    tol : float
        Convergence threshold on the per-round relative change (>= 0).
    order : {"sequential", "simultaneous"}
    players : sequence of int, optional
        Players who update (default all, in index order); the others keep their start action.
    callback : callable, optional
        ``callback(round, profile)`` after every round; raising ``StopIteration`` stops the run.
    record_history : bool
        Keep every round's profile (otherwise only the start and the last).
    """
    if not callable(update):
        raise TypeError(f"update: expected a callable update(player, profile, round); got {update!r}")
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, (int, np.integer)) or max_rounds < 1:
        raise ValueError(f"max_rounds: expected an integer >= 1; got {max_rounds!r}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol: expected a finite number >= 0; got {tol!r}")
    if order not in ORDERS:
        raise ValueError(f"order: expected one of {ORDERS}; got {order!r}")
    profile = _freeze(start)
    n = len(profile)
    if n < 1:
        raise ValueError("start: expected at least one player's action")
    players = list(range(n)) if players is None else [int(p) for p in players]
    for p in players:
        if not 0 <= p < n:
            raise ValueError(f"players: {p} is not a player index (there are {n})")
    history = [profile]
    changes = []
    status = 1
    t = 0
    for t in range(1, max_rounds + 1):
        old = profile
        current = list(profile)
        for p in players:
            source = tuple(current) if order == "sequential" else old
            new = np.array(update(p, source, t), dtype=np.float64).ravel()
            if new.shape != old[p].shape:
                raise ValueError(f"update: player {p} returned shape {new.shape}, expected {old[p].shape}")
            current[p] = new
        profile = _freeze(current)
        change = max(float(np.max(np.abs(profile[p] - old[p]) / (1 + np.abs(old[p])))) for p in players)
        changes.append(change)
        if record_history:
            history.append(profile)
        if not all(np.all(np.isfinite(a)) for a in profile):
            status = 2
            break
        if callback is not None:
            try:
                callback(t, profile)
            except StopIteration:
                status = 3
                break
        if change <= tol:
            status = 0
            break
    if not record_history:
        history.append(profile)
    changes = np.array(changes)
    changes.setflags(write=False)
    msg = STATUS_MESSAGES[status].format(rounds=t, change=changes[-1] if changes.size else 0.0)
    return RepeatedPlayResult(
        converged=status == 0, rounds=t, history=tuple(history), final=profile, changes=changes,
        success=status == 0, status=status, message=msg,
        parameters={"max_rounds": int(max_rounds), "tol": float(tol), "order": order,
                    "players": players, "record_history": bool(record_history)})
