"""The game model of thesis chapter 6, section 2.

A dynamic game with asymmetric information (Sinha 2017, ch. 6, §2):

* agents ``i = 1..N`` with finite private type sets 𝒳^i (size M_i) and action sets 𝒜^i (size K_i);
* types evolve as a controlled Markov chain, conditionally independent across agents
  given the *whole* action profile, eq. (6.1):
  ``P(x_{t+1} | x_t, a_t) = Π_i Q^i(x^i_{t+1} | x^i_t, a_t)``; static types are the identity kernel;
* initial types are independent, ``P(x_1) = Π_i Q_0^i(x^i_1)``;
* agent ``i`` receives ``R^i(x, a)`` (full type and action profiles), discounted by δ, eq. (6.2);
* with a finite horizon T, a terminal reward ``G^i(π_{T+1}, x^i_{T+1})`` is paid.

Arrays are stored in one canonical layout, so that the numba kernels see plain arrays:

``rewards``      shape ``(N, M_1, ..., M_N, K_1, ..., K_N)``
``kernels[i]``   shape ``(M_i, K_1, ..., K_N, M_i)``  (``x, a..., x'``)
``prior[i]``     shape ``(M_i,)``
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ._limits import check_memory
from ._validation import (GameValidationError, as_float_array, check_discount, check_shape,
                          check_stochastic, is_integer, short_repr)

__all__ = ["DynamicGame"]


#: Longest type, action, agent or game name (characters).
MAX_NAME_CHARS = 200


def _count(spec, what: str, agent: int) -> int:
    """The number of type or action names ``spec`` stands for, without building them."""
    arg = f"{what}[{agent}]"
    if isinstance(spec, (bool, np.bool_)):
        raise GameValidationError(f"{arg}: give a count or a sequence of names, got {spec!r}")
    if is_integer(spec):
        if spec < 1:
            raise GameValidationError(f"{arg}: an agent needs at least one entry, got {int(spec)}")
        return int(spec)
    if isinstance(spec, (str, bytes)) or not isinstance(spec, (list, tuple, np.ndarray)):
        raise GameValidationError(f"{arg}: give a count or a sequence of names, got {short_repr(spec)}")
    if len(spec) < 1:
        raise GameValidationError(f"{arg}: an agent needs at least one entry")
    return len(spec)


def _label(value, arg: str) -> str:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, int, np.integer)):
        raise GameValidationError(f"{arg}: a name must be a string (or an integer), got {short_repr(value)}")
    text = str(value)
    if not text or len(text) > MAX_NAME_CHARS:
        raise GameValidationError(f"{arg}: a name must have 1 to {MAX_NAME_CHARS} characters, "
                                  f"got {len(text)}")
    return text


def _names(spec, what: str, agent: int) -> tuple[str, ...]:
    """Type or action names from either a count or a sequence of labels (call :func:`_count`
    first: a count is trusted here)."""
    arg = f"{what}[{agent}]"
    if is_integer(spec):
        return tuple(str(k) for k in range(int(spec)))
    labels = tuple(_label(s, arg) for s in spec)
    if len(set(labels)) != len(labels):
        raise GameValidationError(f"{arg}: names must be distinct, got {short_repr(labels)}")
    return labels


@dataclass(frozen=True, eq=False)
class DynamicGame:
    """A finite dynamic game with private Markov types and public actions (thesis ch. 6, §2).

    Parameters
    ----------
    rewards : array_like
        ``R^i(x, a)`` of shape ``(N, M_1..M_N, K_1..K_N)``, or a sequence of N arrays of shape
        ``(M_1..M_N, K_1..K_N)``. Must be finite.
    types, actions : sequence
        One entry per agent: a count or a sequence of names. Types are ordered as given; in
        the public-goods example the order is ``(x^H, x^L)``, so a binary belief is written by
        its first entry ``π^i(x^H)``.
    delta : float
        Discount factor δ ∈ [0, 1) of (6.2).
    kernels : sequence, optional
        Per agent: ``None`` (static type, the identity), an ``(M_i, M_i)`` row-stochastic
        matrix ``Q^i(x'|x)`` that does not depend on actions, or the full
        ``(M_i, K_1..K_N, M_i)`` kernel ``Q^i(x'|x, a)`` of (6.1). Default: all static.
    prior : sequence, optional
        Per agent the initial distribution ``Q_0^i``. Default: uniform.
    horizon : int, optional
        Finite horizon T (``None``: infinite horizon).
    terminal_reward : callable, optional
        ``G(belief) -> sequence of N arrays over types``: the terminal reward ``G^i(π, x^i)``
        of the finite-horizon game (§1.3 of the notes). Default: zero.
    agent_names : sequence of str, optional
    name : str, optional

    Raises
    ------
    GameValidationError
        A subclass of ``ValueError`` whose message names the offending argument.
    """

    rewards: np.ndarray
    types: tuple
    actions: tuple
    delta: float
    kernels: tuple
    prior: tuple
    horizon: Optional[int] = None
    terminal_reward: Optional[Callable] = None
    agent_names: tuple = ()
    name: str = "game"
    static: tuple = field(default=())

    def __init__(self, rewards, *, types: Sequence, actions: Sequence, delta: float,
                 kernels: Optional[Sequence] = None, prior: Optional[Sequence] = None,
                 horizon: Optional[int] = None, terminal_reward: Optional[Callable] = None,
                 agent_names: Optional[Sequence[str]] = None, name: str = "game"):
        set_ = object.__setattr__
        # --- agents, types, actions -------------------------------------------------
        try:
            n_agents = len(types)
        except TypeError as exc:
            raise GameValidationError("types: give one entry per agent") from exc
        if n_agents < 1:
            raise GameValidationError("types: the game needs at least one agent")
        try:
            n_act_agents = len(actions)
        except TypeError as exc:
            raise GameValidationError("actions: give one entry per agent") from exc
        if n_act_agents != n_agents:
            raise GameValidationError(
                f"actions: expected one entry per agent ({n_agents}), got {n_act_agents}")
        if isinstance(types, (str, bytes, dict)) or isinstance(actions, (str, bytes, dict)):
            raise GameValidationError("types, actions: give one entry per agent (a list)")
        # counts first: names are built only once the reward array confirms the sizes (a count of
        # 10^9 actions must not allocate 10^9 names)
        M = tuple(_count(t, "types", i) for i, t in enumerate(types))
        K = tuple(_count(a, "actions", i) for i, a in enumerate(actions))

        # --- rewards ------------------------------------------------------------------
        if isinstance(rewards, (list, tuple)) and len(rewards) == n_agents and all(
                np.ndim(r) == 2 * n_agents for r in rewards):
            rewards = np.stack([as_float_array(r, f"rewards[{i}]") for i, r in enumerate(rewards)])
        R = as_float_array(rewards, "rewards")
        check_shape(R, (n_agents,) + M + K, "rewards")
        # the full kernels (M_i, K_1..K_N, M_i) are built from these sizes: guard their memory
        check_memory(8 * sum(m * m for m in M) * R[0].size // max(math.prod(M), 1), "kernels")
        type_names = tuple(_names(t, "types", i) for i, t in enumerate(types))
        action_names = tuple(_names(a, "actions", i) for i, a in enumerate(actions))
        R = np.array(R, order="C", copy=True)          # never freeze or alias the caller's array
        R.setflags(write=False)

        # --- discount and horizon -----------------------------------------------------
        delta = check_discount(delta, "delta")
        if horizon is not None:
            if not is_integer(horizon) or horizon < 1:
                raise GameValidationError(f"horizon: must be a positive integer or None, got {short_repr(horizon)}")
            horizon = int(horizon)
        if terminal_reward is not None and not callable(terminal_reward):
            raise GameValidationError("terminal_reward: must be callable G(belief) -> per-agent arrays")

        # --- kernels ------------------------------------------------------------------
        if kernels is None:
            kernels = [None] * n_agents
        if not isinstance(kernels, (list, tuple)):
            raise GameValidationError(f"kernels: give a list with one entry per agent (None, (M, M) or "
                                      f"the full kernel), got {short_repr(kernels)}")
        if len(kernels) != n_agents:
            raise GameValidationError(
                f"kernels: expected one entry per agent ({n_agents}), got {len(kernels)}")
        full_kernels, static = [], []
        for i, q in enumerate(kernels):
            arg = f"kernels[{i}]"
            if q is None:
                full = np.broadcast_to(np.eye(M[i])[(slice(None),) + (None,) * n_agents], (M[i],) + K + (M[i],))
                full_kernels.append(np.ascontiguousarray(full))
                static.append(True)
                continue
            q = as_float_array(q, arg)
            if q.shape == (M[i], M[i]):
                q = np.broadcast_to(q[(slice(None),) + (None,) * n_agents], (M[i],) + K + (M[i],))
            else:
                check_shape(q, (M[i],) + K + (M[i],), arg)
            check_stochastic(q, arg, axis=-1)
            q = np.array(q, order="C", copy=True)
            full_kernels.append(q)
            static.append(bool(np.all(q == np.eye(M[i])[(slice(None),) + (None,) * n_agents])))
        for q in full_kernels:
            q.setflags(write=False)

        # --- prior --------------------------------------------------------------------
        if prior is None:
            prior = [np.full(m, 1.0 / m) for m in M]
        if not isinstance(prior, (list, tuple)) and not (isinstance(prior, np.ndarray) and prior.ndim == 2):
            raise GameValidationError(f"prior: give a list with one distribution per agent, got "
                                      f"{short_repr(prior)}")
        if len(prior) != n_agents:
            raise GameValidationError(
                f"prior: expected one distribution per agent ({n_agents}), got {len(prior)}")
        priors = []
        for i, p in enumerate(prior):
            p = as_float_array(p, f"prior[{i}]")
            check_shape(p, (M[i],), f"prior[{i}]")
            check_stochastic(p, f"prior[{i}]")
            p = p.copy()
            p.setflags(write=False)
            priors.append(p)

        if agent_names is None:
            agent_names = tuple(str(i + 1) for i in range(n_agents))
        if isinstance(agent_names, (str, bytes)) or not isinstance(agent_names, (list, tuple)):
            raise GameValidationError(f"agent_names: give a list of {n_agents} names, got "
                                      f"{short_repr(agent_names)}")
        agent_names = tuple(_label(a, f"agent_names[{i}]") for i, a in enumerate(agent_names))
        if len(agent_names) != n_agents:
            raise GameValidationError(
                f"agent_names: expected {n_agents} names, got {len(agent_names)}")

        set_(self, "rewards", R)
        set_(self, "types", type_names)
        set_(self, "actions", action_names)
        set_(self, "delta", delta)
        set_(self, "kernels", tuple(full_kernels))
        set_(self, "prior", tuple(priors))
        set_(self, "horizon", horizon)
        set_(self, "terminal_reward", terminal_reward)
        set_(self, "agent_names", agent_names)
        set_(self, "name", _label(name, "name"))
        set_(self, "static", tuple(static))

    # ------------------------------------------------------------------ sizes
    @property
    def n_agents(self) -> int:
        return len(self.types)

    @property
    def n_types(self) -> tuple[int, ...]:
        """``(M_1, ..., M_N)``."""
        return tuple(len(t) for t in self.types)

    @property
    def n_actions(self) -> tuple[int, ...]:
        """``(K_1, ..., K_N)``."""
        return tuple(len(a) for a in self.actions)

    @property
    def n_type_profiles(self) -> int:
        return int(np.prod(self.n_types))

    @property
    def n_action_profiles(self) -> int:
        return int(np.prod(self.n_actions))

    @property
    def reward_scale(self) -> float:
        """``max |R|``: the scale that tolerances are relative to."""
        return float(np.max(np.abs(self.rewards))) if self.rewards.size else 0.0

    def with_delta(self, delta: float) -> "DynamicGame":
        """The same game with another discount factor."""
        return DynamicGame(self.rewards, types=self.types, actions=self.actions, delta=delta,
                           kernels=self.kernels, prior=self.prior, horizon=self.horizon,
                           terminal_reward=self.terminal_reward, agent_names=self.agent_names,
                           name=self.name)

    # ------------------------------------------------------------------ kernel layout
    def padded_arrays(self) -> dict:
        """Plain padded arrays for the numba kernels (computed once and cached).

        Keys::

            ``rewards``   ``(N, X, A)`` with X = Π M_i type profiles, A = Π K_i action profiles
                          (C order: the last agent varies fastest);
            ``kernels``   ``(N, M_max, A, M_max)``, zero-padded;
            ``static``    ``(N,)`` bool;
            ``type_profiles``, ``action_profiles``: ``(X, N)`` and ``(A, N)`` int64 decode tables;
            ``n_types``, ``n_actions``: ``(N,)`` int64.
        """
        cached = self.__dict__.get("_padded")
        if cached is not None:
            return cached
        N, M, K = self.n_agents, self.n_types, self.n_actions
        m_max, A = max(M), self.n_action_profiles
        Q = np.zeros((N, m_max, A, m_max))
        for i in range(N):
            Q[i, :M[i], :, :M[i]] = self.kernels[i].reshape(M[i], A, M[i])
        type_profiles = np.array(list(np.ndindex(*M)), dtype=np.int64).reshape(-1, N)
        action_profiles = np.array(list(np.ndindex(*K)), dtype=np.int64).reshape(-1, N)
        out = dict(rewards=np.ascontiguousarray(self.rewards.reshape(N, self.n_type_profiles, A)),
                   type_profiles=type_profiles,
                   action_profiles=action_profiles,
                   kernels=Q,
                   static=np.array(self.static, dtype=np.bool_),
                   n_types=np.array(M, dtype=np.int64),
                   n_actions=np.array(K, dtype=np.int64))
        object.__setattr__(self, "_padded", out)
        return out

    # ------------------------------------------------------------------ beliefs
    def normalize_belief(self, belief, name: str = "belief") -> tuple[np.ndarray, ...]:
        """Check a belief ``(π^1, ..., π^N)`` and return it as a tuple of float arrays.

        For an agent with two types a scalar is accepted and read as the probability of the
        first type (the thesis coordinate π_i = π^i(x^H) of ch. 6 §5).
        """
        try:
            parts = list(belief)
        except TypeError as exc:
            raise GameValidationError(
                f"{name}: give one probability vector per agent ({self.n_agents})") from exc
        if len(parts) != self.n_agents:
            raise GameValidationError(
                f"{name}: expected one probability vector per agent ({self.n_agents}), got {len(parts)}")
        out = []
        for i, (p, m) in enumerate(zip(parts, self.n_types)):
            arg = f"{name}[{i}]"
            p = as_float_array(p, arg)
            if p.ndim == 0 and m == 2:
                p = np.array([float(p), 1.0 - float(p)])
            check_shape(p, (m,), arg)
            check_stochastic(p, arg)
            out.append(p)
        return tuple(out)

    def padded_belief(self, belief) -> np.ndarray:
        """``(N, M_max)`` array of a belief (zero-padded)."""
        parts = self.normalize_belief(belief)
        out = np.zeros((self.n_agents, max(self.n_types)))
        for i, p in enumerate(parts):
            out[i, :len(p)] = p
        return out

    def normalize_strategy(self, strategy, name: str = "strategy") -> tuple[np.ndarray, ...]:
        """Check a prescription profile γ = (γ^i)_i, each an ``(M_i, K_i)`` row-stochastic array."""
        try:
            parts = list(strategy)
        except TypeError as exc:
            raise GameValidationError(f"{name}: give one (types x actions) array per agent") from exc
        if len(parts) != self.n_agents:
            raise GameValidationError(
                f"{name}: expected one array per agent ({self.n_agents}), got {len(parts)}")
        out = []
        for i, g in enumerate(parts):
            arg = f"{name}[{i}]"
            g = as_float_array(g, arg)
            check_shape(g, (self.n_types[i], self.n_actions[i]), arg)
            check_stochastic(g, arg)
            out.append(g)
        return tuple(out)

    def type_index(self, agent: int, value, name: str = "type") -> int:
        """Index of one of ``agent``'s types given by name or by integer index (no floats or
        booleans)."""
        names = self.types[agent]
        if isinstance(value, str):
            if value not in names:
                raise GameValidationError(f"{name}: {short_repr(value)} is not a type of agent "
                                          f"{agent + 1} ({', '.join(names)})")
            return names.index(value)
        if not is_integer(value) or not 0 <= value < len(names):
            raise GameValidationError(f"{name}: expected a type name or an integer index in "
                                      f"0..{len(names) - 1}, got {short_repr(value)}")
        return int(value)

    def padded_strategy(self, strategy) -> np.ndarray:
        parts = self.normalize_strategy(strategy)
        out = np.zeros((self.n_agents, max(self.n_types), max(self.n_actions)))
        for i, g in enumerate(parts):
            out[i, :g.shape[0], :g.shape[1]] = g
        return out

    def __setstate__(self, state: dict) -> None:
        """Unpickling (Dask or multiprocessing workers): arrays come back writable, which numba
        types differently from the read-only arrays ``__init__`` builds, so every kernel would
        be compiled again in each worker. Freeze them again and rebuild the padded cache."""
        state = dict(state)
        state.pop("_padded", None)

        def freeze(obj):
            if isinstance(obj, np.ndarray):
                obj.setflags(write=False)
            elif isinstance(obj, (tuple, list)):
                for item in obj:
                    freeze(item)
        for value in state.values():
            freeze(value)
        self.__dict__.update(state)

    def __repr__(self) -> str:
        horizon = "infinite" if self.horizon is None else self.horizon
        return (f"DynamicGame({self.name!r}, agents={self.n_agents}, types={self.n_types}, "
                f"actions={self.n_actions}, delta={self.delta}, horizon={horizon}, "
                f"static={all(self.static)})")
