"""The learning engine of the mechanisms layer: repeated play of a game, every dynamic of the
layer included (best-response learning, the adaptive best-response (ABR) class of Healy and
Mathevet (2012) used in thesis ch. 4 §5, belief updating, policy-gradient steps, CMAP and
proportional-response flows).

:func:`repeated_play` plays rounds from a start profile. In every round the updating players
replace their actions, either one at a time, ``update(player, profile, round) -> action``, or all
at once through a joint map ``update(profile) -> profile`` (``joint=True``; e.g. the joint best
response ``beta`` of ch. 4 (4.17)). What they respond to is the *assessment* of the past play
formed by a :class:`Dynamic` (ch. 4 §5, Definition 5.1):

===========================  ==========================================================
``Cournot()`` (default)      ``m_n = beta(m_{n-1})``
``WindowAverage(k)``         best response to the average of the last ``k`` rounds
                             (``k``-period best response; D2 of §5.2 is ``k = 10``)
``ExponentialAverage(w)``    (4.31): ``m_n = beta(w m_{n-1} + (1-w) r_{n-1})``,
                             ``r_n = w m_n + (1-w) r_{n-1}``, ``r_0 = m_0`` (D1: ``w = 1/2``)
``FictitiousPlay()``         best response to the average of all past rounds
``RandomConvexWindow(k)``    random convex (Dirichlet) weights on the last ``k`` rounds,
                             redrawn every round (optionally for each player)
``HeterogeneousWindow(w)``   player ``i`` uses its own convex weights ``w[i]`` on the last
                             ``k`` rounds
``SampledPast(k)``           mixed strategy: each player best-responds to one past profile
                             drawn uniformly from the last ``k`` rounds
===========================  ==========================================================

Players may carry a private *state* beside their actions (``state=``: beliefs, optimiser
moments, ...): the update then also receives it and returns the new one, ``update(player, profile,
round, state_i) -> (action, state_i)`` or ``update(profile, state) -> (profile, state)``; the
engine records it with the profiles. Players update all at once (``order="simultaneous"``,
Jacobi), one after the other with the newest actions (``"sequential"``, Gauss-Seidel), or each
with probability ``update_probability`` (``"asynchronous"``; the others repeat their action).
Best responding to the *mean* of a distribution of profiles is best responding to the
distribution when payoffs are quadratic in the others' messages with affine best responses (ch. 4
§5.2, where agents "can simply maintain the empirical average"); :class:`SampledPast` plays an
actual mixed strategy.

Stopping rules (status codes in :data:`STATUS_MESSAGES`): a relative change ``tol`` (0), a
distance ``target_tol`` to a known ``target`` (4), a ``stop`` predicate (5), a divergence bound
(6), non-finite actions (2), a ``callback`` raising ``StopIteration`` (3), and ``max_rounds``:
a run with no stopping rule is a fixed-horizon run, and playing its ``max_rounds`` rounds is its
success (7); with a rule that was never met it is not (1). Histories are kept every
``record_every`` rounds; per-round changes, distances and ``monitor`` values every round; progress
goes to ``callback``.

When the joint best response is a contraction (ch. 4 Theorems 5.4-5.5), every ABR dynamic
converges to the unique equilibrium (Fact 5.3, [HeMa12] Theorem 1).

References
----------
.. [HeMa12] P. J. Healy and L. Mathevet, "Designing stable mechanisms for economic
   environments", Theoretical Economics 7(3), 2012.

Example
-------
>>> import numpy as np
>>> res = repeated_play(lambda i, prof, t: 0.5 * prof[1 - i] + 1, (np.zeros(1), np.zeros(1)),
...                     tol=1e-12, max_rounds=200)
>>> res.success, res.status, np.round(res.final[0], 6).tolist()
(True, 0, [2.0])
>>> beta = lambda m: 0.5 * m[::-1] + 1           # joint best response of a 2-player game
>>> res = repeated_play(beta, np.zeros(2), joint=True, dynamic=WindowAverage(3),
...                     target=np.full(2, 2.0), target_tol=1e-9, max_rounds=500)
>>> res.success, res.status, np.round(res.final, 6).tolist()
(True, 4, [2.0, 2.0])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from ._arrays import check_choice, check_integer, check_number, check_positive

__all__ = ["RepeatedPlayResult", "RoundState", "repeated_play", "ORDERS",
           "STATUS_MESSAGES", "Dynamic", "Cournot", "WindowAverage", "ExponentialAverage",
           "FictitiousPlay", "RandomConvexWindow", "HeterogeneousWindow", "SampledPast",
           "DYNAMICS"]

ORDERS = ("simultaneous", "sequential", "asynchronous")
STATUS_MESSAGES = {
    0: "converged: the largest relative change in round {rounds} is <= tol",
    1: "max_rounds = {rounds} reached without meeting a stopping rule",
    2: "stopped in round {rounds}: an action is not finite",
    3: "stopped by callback in round {rounds}",
    4: "reached the target: distance {error:.3g} <= target_tol in round {rounds}",
    5: "stopped by the stop rule in round {rounds}",
    6: "diverged in round {rounds}: distance {error:.3g} exceeds divergence_bound",
    7: "played the {rounds} rounds asked for (last change {change:.3g})",
}


class _Packer:
    """Flat float vector <-> the caller's profile structure (an array whose first axis is the
    players, or a sequence of per-player 1-D arrays)."""

    def __init__(self, like):
        if isinstance(like, np.ndarray) and like.ndim >= 1:
            self.shape = like.shape
            self.tuple_form = False
            per = int(np.prod(like.shape[1:], dtype=np.int64))
            self.sizes = np.full(like.shape[0], per, dtype=np.int64)
        else:
            parts = [np.asarray(a, dtype=np.float64).ravel() for a in like]
            if not parts:
                raise ValueError("start: expected at least one player's action")
            self.shape = None
            self.tuple_form = True
            self.sizes = np.array([p.size for p in parts], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        self.n_players = self.sizes.size
        self.dim = int(self.offsets[-1])
        self.blocks = [np.arange(self.offsets[p], self.offsets[p + 1]) for p in range(self.n_players)]

    def flat(self, profile, name="profile"):
        if self.tuple_form:
            if isinstance(profile, np.ndarray) and profile.ndim == 1 and profile.size == self.dim:
                v = np.array(profile, dtype=np.float64)
            else:
                parts = list(profile)
                if len(parts) != self.n_players:
                    raise ValueError(f"{name}: expected {self.n_players} actions; got {len(parts)}")
                v = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in parts])
        else:
            v = np.array(profile, dtype=np.float64).reshape(-1)
        if v.size != self.dim:
            raise ValueError(f"{name}: expected {self.dim} numbers in the start's layout; got {v.size}")
        return v

    def unflat(self, v, frozen=False):
        if self.tuple_form:
            out = tuple(v[self.offsets[p]:self.offsets[p + 1]] for p in range(self.n_players))
        else:
            out = v.reshape(self.shape)
        if frozen:
            for a in (out if self.tuple_form else (out,)):
                a.setflags(write=False)
        return out

    def index(self, players):
        return np.concatenate([self.blocks[p] for p in players]) if len(players) else np.zeros(0, np.int64)


# ----------------------------------------------------------------------- dynamics
@dataclass(frozen=True)
class Dynamic:
    """A member of the ABR class: how the history is turned into what players respond to.

    Subclasses implement ``_start(m0, n_players, rng)`` returning a state with
    ``assess(rng) -> list of (players or None, assessment vector, weight on m_{n-1})`` and
    ``push(m_n)``. ``players=None`` means every player uses that assessment.
    """
    name = "dynamic"

    def _start(self, m0, n_players, rng):  # pragma: no cover - interface
        raise NotImplementedError


class _WindowState:
    """Ring buffer of the last ``k`` profiles (``m_0`` included until it falls out)."""

    def __init__(self, m0, k):
        self.k = k
        self.buf = np.empty((k, m0.size))
        self.buf[0] = m0
        self.count = 1           # profiles stored (<= k)
        self.head = 0            # index of the newest
        self.total = m0.copy()
        self.pushes = 0

    def push(self, m):
        self.head = (self.head + 1) % self.k
        if self.count == self.k:
            self.total -= self.buf[self.head]
        else:
            self.count += 1
        self.buf[self.head] = m
        self.total += m
        self.pushes += 1
        if self.pushes % 1024 == 0:          # re-sum: no drift of the running total
            self.total = self.buf[:self.count].sum(axis=0) if self.count < self.k else self.buf.sum(axis=0)

    def recent(self, s):
        """``m_{n-s}`` for ``s = 1..count``."""
        return self.buf[(self.head - (s - 1)) % self.k]

    def stacked(self):
        """Rows ``m_{n-1}, m_{n-2}, ...`` (``count`` rows)."""
        idx = (self.head - np.arange(self.count)) % self.k
        return self.buf[idx]


@dataclass(frozen=True)
class WindowAverage(Dynamic):
    """``k``-period best response: respond to the average of the last ``window`` profiles
    (fewer while ``n < window``, ``m_0`` included)."""
    window: int = 1
    name = "window-average"

    def __post_init__(self):
        check_integer("window", self.window)

    def _start(self, m0, n_players, rng):
        dyn = self

        class State(_WindowState):
            def assess(self, rng):
                return [(None, self.total / self.count, 1.0 / self.count)]
        return State(m0, dyn.window)


@dataclass(frozen=True)
class Cournot(WindowAverage):
    """Cournot best response ``m_n = beta(m_{n-1})``."""
    window: int = 1
    name = "cournot"

    def __post_init__(self):
        if self.window != 1:
            raise ValueError(f"window: Cournot responds to the last round only; got {self.window!r}")

    def _start(self, m0, n_players, rng):
        class State:                     # m_{n-1} itself, not a running sum that drifts
            def __init__(self):
                self.m = m0

            def assess(self, rng):
                return [(None, self.m, 1.0)]

            def push(self, m):
                self.m = m
        return State()


@dataclass(frozen=True)
class ExponentialAverage(Dynamic):
    """(4.31) generalised: ``a_n = w m_{n-1} + (1-w) r_{n-1}``, ``r_n = w m_n + (1-w) r_{n-1}``,
    ``r_0 = m_0``; ``w = 1/2`` is §5.2's exponential weighting (weights 3/4, 1/8, 1/16, ...)."""
    weight: float = 0.5
    name = "exponential-average"

    def __post_init__(self):
        if not (np.isfinite(self.weight) and 0 < self.weight <= 1):
            raise ValueError(f"weight: expected a number in (0, 1]; got {self.weight!r}")

    def _start(self, m0, n_players, rng):
        w = float(self.weight)

        class State:
            def __init__(self):
                self.m = m0.copy()
                self.r = m0.copy()

            def assess(self, rng):
                return [(None, w * self.m + (1 - w) * self.r, w + (1 - w) * w)]

            def push(self, m):
                self.m = m.copy()
                self.r = w * m + (1 - w) * self.r
        return State()


@dataclass(frozen=True)
class FictitiousPlay(Dynamic):
    """Respond to the average of all past profiles ``m_0, ..., m_{n-1}`` (Brown 1951)."""
    name = "fictitious-play"

    def _start(self, m0, n_players, rng):
        class State:
            def __init__(self):
                self.mean = m0.copy()
                self.count = 1

            def assess(self, rng):
                return [(None, self.mean, 1.0 / self.count)]

            def push(self, m):
                self.count += 1
                self.mean = self.mean + (m - self.mean) / self.count
        return State()


@dataclass(frozen=True)
class RandomConvexWindow(Dynamic):
    """Respond to a random convex combination (Dirichlet(``concentration``)) of the last
    ``window`` profiles, redrawn every round; ``per_player=True`` draws one per player."""
    window: int = 3
    concentration: float = 1.0
    per_player: bool = False
    name = "random-convex-window"

    def __post_init__(self):
        check_integer("window", self.window)
        check_positive("concentration", self.concentration)

    def _start(self, m0, n_players, rng):
        dyn = self

        class State(_WindowState):
            def assess(self, rng):
                hist = self.stacked()
                if not dyn.per_player:
                    w = rng.dirichlet(np.full(self.count, dyn.concentration))
                    return [(None, w @ hist, float(w[0]))]
                w = rng.dirichlet(np.full(self.count, dyn.concentration), size=n_players)
                return [(np.array([p]), w[p] @ hist, float(w[p, 0])) for p in range(n_players)]
        return State(m0, dyn.window)


@dataclass(frozen=True)
class HeterogeneousWindow(Dynamic):
    """Player ``i`` responds to ``sum_s weights[i, s-1] m_{n-s}`` (its own fixed convex weights on
    the last ``k`` rounds; renormalised while ``n < k``). ``weights=None`` draws them once from
    Dirichlet(1) with the run's generator (``window`` columns)."""
    weights: tuple | None = None
    window: int = 3
    name = "heterogeneous-window"

    def __post_init__(self):
        if self.weights is None:
            check_integer("window", self.window)
            return
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] < 1 or np.any(w < 0) or not np.all(np.isfinite(w)) \
                or np.any(w.sum(axis=1) <= 0):
            raise ValueError("weights: expected a (n_players, k) array of non-negative weights with "
                             "positive row sums")
        object.__setattr__(self, "weights", tuple(map(tuple, w / w.sum(axis=1, keepdims=True))))
        object.__setattr__(self, "window", w.shape[1])

    def _start(self, m0, n_players, rng):
        if self.weights is None:
            w = rng.dirichlet(np.ones(self.window), size=n_players)
        else:
            w = np.asarray(self.weights)
            if w.shape[0] != n_players:
                raise ValueError(f"weights: expected one row per player ({n_players}); got {w.shape[0]}")

        class State(_WindowState):
            def assess(self, rng):
                hist = self.stacked()
                ww = w[:, :self.count]
                ww = ww / np.where(ww.sum(axis=1, keepdims=True) > 0, ww.sum(axis=1, keepdims=True), 1.0)
                out = []
                for p in range(n_players):
                    if ww[p].sum() == 0:          # all weight on rounds not yet played: use m_0
                        a, w1 = hist[-1], float(self.count == 1)
                    else:
                        a, w1 = ww[p] @ hist, float(ww[p, 0])
                    out.append((np.array([p]), a, w1))
                return out
        return State(m0, self.window)


@dataclass(frozen=True)
class SampledPast(Dynamic):
    """Mixed strategy: each player best-responds to one profile ``m_{n-s}`` with ``s`` drawn
    uniformly from ``1..min(window, n)`` (independently across players)."""
    window: int = 3
    name = "sampled-past"

    def __post_init__(self):
        check_integer("window", self.window)

    def _start(self, m0, n_players, rng):
        class State(_WindowState):
            def assess(self, rng):
                s = rng.integers(1, self.count + 1, size=n_players)
                return [(np.flatnonzero(s == v), self.recent(v), float(v == 1)) for v in np.unique(s)]
        return State(m0, self.window)


DYNAMICS = {d.name: d for d in (Cournot, WindowAverage, ExponentialAverage, FictitiousPlay,
                                 RandomConvexWindow, HeterogeneousWindow, SampledPast)}


# ----------------------------------------------------------------------- records
@dataclass(frozen=True, eq=False)
class RoundState:
    """What :func:`repeated_play` passes to ``callback`` and ``stop`` after a round.

    ``profile`` is read-only; ``error`` is the distance to ``target`` (NaN without one);
    ``monitored`` holds this round's ``monitor`` values; ``state`` the players' private state
    (None without one)."""
    round: int
    profile: object = field(repr=False)
    change: float
    error: float
    monitored: dict = field(default_factory=dict)
    state: object = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class RepeatedPlayResult:
    """Result of :func:`repeated_play` (arrays read-only).

    Attributes
    ----------
    success : bool
        A stopping rule was met (status 0, 4, 5), or a fixed-horizon run played its rounds (7).
    status : int
        Key of :data:`STATUS_MESSAGES`.
    message : str
    nit : int
        Rounds played.
    final, start : profile
        The last and the first profile, in the start's layout.
    errors : ndarray (nit + 1,) or None
        Distance to ``target`` after each round (``errors[0]``: the start).
    changes : ndarray (nit,)
        Largest relative action change ``|m_n - m_{n-1}| / (1 + |m_{n-1}|)`` in each round.
    monitored : dict of ndarray (nit + 1,)
        ``monitor`` values after each round (index 0: the start).
    history : tuple of profiles
        Profiles after the rounds ``history_rounds`` (every ``record_every`` rounds, with the start
        and the last round).
    history_rounds : ndarray of int
    state : object
        The players' private state after the last round (None without one).
    states : tuple or None
        The state after the rounds ``history_rounds``.
    method : str
        The dynamic's name.
    parameters : dict
        Every setting, resolved (dynamic, order, seed, tolerances, ...).
    """
    success: bool
    status: int
    message: str
    nit: int
    final: object = field(repr=False)
    start: object = field(repr=False)
    errors: np.ndarray | None = field(repr=False)
    changes: np.ndarray = field(repr=False)
    monitored: dict = field(repr=False)
    history: tuple = field(repr=False)
    history_rounds: np.ndarray = field(repr=False)
    state: object = field(default=None, repr=False)
    states: tuple | None = field(default=None, repr=False)
    method: str = "cournot"
    parameters: dict = field(default_factory=dict, repr=False)

    def rounds_to(self, threshold: float):
        """First round ``n`` with ``errors[n] <= threshold`` (``None`` if never)."""
        if self.errors is None:
            raise ValueError("rounds_to(): the run had no target, so no distances were recorded")
        hit = np.flatnonzero(self.errors <= threshold)
        return int(hit[0]) if hit.size else None


def repeated_play(update: Callable, start, *, joint: bool = False, state=None,
                  dynamic: Dynamic | None = None, order: str = "simultaneous",
                  update_probability: float = 0.5, max_rounds: int = 100,
                  tol: float | None = None, target=None, target_tol: float | None = None, norm=2,
                  divergence_bound: float | None = None, stop: Callable | None = None,
                  monitor: Callable | None = None, record_every: int = 1,
                  callback: Callable | None = None, seed=None,
                  start_scale: float = 1.0) -> RepeatedPlayResult:
    """Repeated play of a game from ``start`` (module docstring; ch. 4 §5, Definition 5.1).

    Parameters
    ----------
    update : callable
        ``joint=False``: ``update(player, profile, round) -> action`` (a best response, a gradient
        step, ...), or ``update(player, profile, round, state_i) -> (action, state_i)`` with a
        ``state``. ``joint=True``: the joint map ``update(profile) -> profile`` whose player-``i``
        part is ``i``'s response to the others' part (the joint best response of ch. 4 (4.17),
        e.g. ``PrivateGoodsMechanism(...).game(utilities)``), or ``update(profile, state) ->
        (profile, state)``. ``profile`` is read-only and in the start's layout.
    start : profile or "random"
        An array whose first axis indexes the players, or a sequence of per-player arrays.
        ``"random"``: ``start_scale * N(0, 1)`` entries in the layout of ``target``, drawn from
        the run's generator.
    joint : bool
    state : optional
        The players' private state at the start: one entry per player (``joint=False``) or one
        object (``joint=True``). An update returns a new state; it must not modify the old one.
    dynamic : Dynamic
        Member of the ABR class (default :class:`Cournot`: respond to the last round).
    order : {"simultaneous", "sequential", "asynchronous"}
        Synchronous (Jacobi) updates, Gauss-Seidel updates in the players' order (a player
        responds to the assessment with the newest actions in place of ``m_{n-1}``), or
        asynchronous updates (each player independently with probability ``update_probability``).
    max_rounds : int
    tol : float, optional
        Stop (status 0) when the largest relative change in a round is ``<= tol``.
    target, target_tol : profile, float, optional
        Record the distance ``||m_n - target||`` (``norm``: 2 or ``np.inf``, on all entries) every
        round; stop (status 4) once it is ``<= target_tol``.
    divergence_bound : float, optional
        Stop (status 6) once the distance to ``target`` (or ``||m_n||`` without one) exceeds it.
    stop : callable, optional
        ``stop(state: RoundState) -> bool``; True stops the run (status 5).
    monitor : callable, optional
        ``monitor(profile) -> float or dict of floats``, recorded for the start and every round.
    record_every : int
        Keep the profile (and state) every ``record_every`` rounds (0: only the start and the last).
    callback : callable, optional
        ``callback(state: RoundState)`` after every round; raising ``StopIteration`` stops (status 3).
    seed : None, int or numpy.random.Generator
        Randomness of the start, the dynamic and the asynchronous schedule.

    Returns
    -------
    RepeatedPlayResult
    """
    if not callable(update):
        raise TypeError(f"update: expected a callable; got {update!r}")
    dynamic = Cournot() if dynamic is None else dynamic
    if not isinstance(dynamic, Dynamic):
        raise TypeError(f"dynamic: expected a Dynamic (one of {sorted(DYNAMICS)}); got {dynamic!r}")
    check_choice("order", order, ORDERS)
    if not (np.isfinite(update_probability) and 0 < update_probability <= 1):
        raise ValueError(f"update_probability: expected a probability in (0, 1]; got {update_probability!r}")
    max_rounds = check_integer("max_rounds", max_rounds)
    record_every = check_integer("record_every", record_every, 0)
    for name, value in (("tol", tol), ("target_tol", target_tol), ("divergence_bound", divergence_bound)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name}: expected a finite number >= 0 or None; got {value!r}")
    if norm not in (2, np.inf):
        raise ValueError(f"norm: expected 2 or numpy.inf; got {norm!r}")
    if target_tol is not None and target is None:
        raise ValueError("target_tol: needs a target")
    for name, f in (("stop", stop), ("monitor", monitor), ("callback", callback)):
        if f is not None and not callable(f):
            raise TypeError(f"{name}: expected a callable or None; got {f!r}")
    rng = np.random.default_rng(seed)

    random_start = isinstance(start, str)
    if random_start:
        if start != "random":
            raise ValueError(f"start: expected a profile or 'random'; got {start!r}")
        if target is None:
            raise ValueError("start: 'random' needs a target to give the layout")
        check_number("start_scale", start_scale, nonnegative=True)
        packer = _Packer(target if not isinstance(target, (list, tuple)) else tuple(target))
        m = start_scale * rng.standard_normal(packer.dim)
    else:
        packer = _Packer(start if isinstance(start, np.ndarray) else tuple(start))
        m = packer.flat(start, "start")
    if not np.all(np.isfinite(m)):
        raise ValueError("start: actions must be finite")
    n_players = packer.n_players
    carry = state is not None
    if carry and not joint:
        state = tuple(state)
        if len(state) != n_players:
            raise ValueError(f"state: expected one entry per player ({n_players}); got {len(state)}")
    if carry and joint and order != "simultaneous":
        raise ValueError("state: a joint update with a state needs order='simultaneous'")
    everyone = np.ones(n_players, dtype=bool)
    tgt = None if target is None else packer.flat(target, "target")

    def view(v):
        return packer.unflat(v, frozen=True)

    def distance(v):
        return float(np.linalg.norm(v - tgt, ord=norm)) if tgt is not None else float("nan")

    def monitored_values(v):
        if monitor is None:
            return {}
        out = monitor(view(v.copy()))
        if isinstance(out, dict):
            return {str(k): float(x) for k, x in out.items()}
        return {"monitor": float(out)}

    def respond(a):
        """Joint response to the assessment ``a`` (flat); with a state, also the new state."""
        if carry:
            out, st = update(view(a), current[0])
            return packer.flat(out, "update output"), st
        return packer.flat(update(view(a)), "update output"), None

    def respond_player(p, a, t):
        if not joint:
            if carry:
                out, st = update(p, view(a), t, current[0][p])
                new_states[p] = st
            else:
                out = update(p, view(a), t)
            out = np.asarray(out, dtype=np.float64).ravel()
            if out.size != packer.sizes[p]:
                raise ValueError(f"update: player {p} returned {out.size} numbers, expected "
                                 f"{packer.sizes[p]}")
            return out
        return respond(a)[0][packer.blocks[p]]

    exact = isinstance(dynamic, Cournot)
    dyn_state = dynamic._start(m.copy(), n_players, rng)
    current = [state]
    errors = [distance(m)]
    monitored = {k: [v] for k, v in monitored_values(m).items()}
    changes = []
    history = [view(m.copy())]
    states = [state] if carry else None
    history_rounds = [0]
    status = 1
    t = 0
    for t in range(1, max_rounds + 1):
        prev = m
        new_states = list(current[0]) if carry and not joint else None
        groups = dyn_state.assess(rng)
        if order == "sequential":
            new = prev.copy()
            lookup = {}
            for grp, a, w1 in groups:
                for p in (range(n_players) if grp is None else grp):
                    lookup[int(p)] = (a, w1)
            for p in range(n_players):
                a, w1 = lookup[p]
                if exact:
                    a_p = new.copy()
                else:
                    a_p = a + w1 * (new - prev) if w1 else a
                new[packer.blocks[p]] = respond_player(p, a_p, t)
        else:
            if order == "asynchronous":
                active = rng.random(n_players) < update_probability
            else:
                active = everyone
            if joint and order == "simultaneous" and len(groups) == 1 and groups[0][0] is None:
                new, st = respond(groups[0][1])
                if carry:
                    new_states = st
            elif carry and joint:
                raise ValueError("state: a joint update with a state needs a dynamic whose players "
                                 "share one assessment")
            else:
                new = prev.copy()
                for grp, a, _ in groups:
                    sel = np.flatnonzero(active) if grp is None else np.asarray(grp)[active[np.asarray(grp)]]
                    if sel.size == 0:
                        continue
                    if not joint:
                        for p in sel:
                            new[packer.blocks[p]] = respond_player(int(p), a, t)
                    else:
                        idx = packer.index(sel)
                        new[idx] = respond(a)[0][idx]
        m = new
        if carry:
            current[0] = tuple(new_states) if not joint else new_states
        dyn_state.push(m)
        change = float(np.max(np.abs(m - prev) / (1.0 + np.abs(prev)))) if m.size else 0.0
        changes.append(change)
        finite = bool(np.all(np.isfinite(m)))
        err = distance(m) if finite else float("nan")
        errors.append(err)
        mon = monitored_values(m) if finite else {k: float("nan") for k in monitored}
        for k, v in mon.items():
            monitored.setdefault(k, [float("nan")] * t).append(v)
        if record_every and t % record_every == 0:
            history.append(view(m.copy()))
            history_rounds.append(t)
            if carry:
                states.append(current[0])
        if not finite:
            status = 2
            break
        rs = None
        if callback is not None or stop is not None:
            rs = RoundState(round=t, profile=view(m.copy()), change=change, error=err,
                            monitored=mon, state=current[0])
        if callback is not None:
            try:
                callback(rs)
            except StopIteration:
                status = 3
                break
        if target_tol is not None and err <= target_tol:
            status = 4
            break
        if tol is not None and change <= tol:
            status = 0
            break
        if stop is not None and stop(rs):
            status = 5
            break
        if divergence_bound is not None:
            size = err if tgt is not None else float(np.linalg.norm(m, ord=norm))
            if size > divergence_bound:
                status = 6
                break
    if status == 1 and tol is None and target_tol is None and stop is None:
        status = 7
    if history_rounds[-1] != t:
        history.append(view(m.copy()))
        history_rounds.append(t)
        if carry:
            states.append(current[0])
    errs = None if tgt is None else np.array(errors)
    ch = np.array(changes)
    hr = np.array(history_rounds)
    mons = {k: np.array(v) for k, v in monitored.items()}
    for a in (ch, hr, *mons.values()) + ((errs,) if errs is not None else ()):
        a.setflags(write=False)
    message = STATUS_MESSAGES[status].format(rounds=t, error=errors[-1],
                                             change=changes[-1] if changes else 0.0)
    params = {"dynamic": dynamic, "joint": bool(joint), "order": order,
              "update_probability": float(update_probability),
              "max_rounds": max_rounds, "tol": tol, "target_tol": target_tol, "norm": norm,
              "divergence_bound": divergence_bound, "record_every": record_every,
              "seed": seed if not isinstance(seed, np.random.Generator) else "Generator",
              "start": "random" if random_start else "given", "start_scale": float(start_scale),
              "state": carry}
    return RepeatedPlayResult(
        success=status in (0, 4, 5, 7), status=status, message=message, nit=t,
        final=history[-1], start=history[0], errors=errs, changes=ch, monitored=mons,
        history=tuple(history), history_rounds=hr, state=current[0],
        states=tuple(states) if carry else None, method=dynamic.name, parameters=params)
