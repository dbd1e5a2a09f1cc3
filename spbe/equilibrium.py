"""The result of :func:`spbe.solve`: an SPBE on a belief grid, with its verification.

An :class:`Equilibrium` holds the equilibrium generating function θ (the prescription at every
grid node, per period for a finite horizon), the value functions V, the case of the enumeration
at every node, and the diagnostics a user needs to trust it: whether the grid iteration
converged, the Bellman residual, the stage residual at the nodes, the nodes where no exact stage
solution was found (flagged), and the verification of the strategy as an equilibrium of the
*game* (thesis Theorem 4.3; notes §2.8, :func:`spbe.verify`): ``epsilon``, the largest one-shot
deviation gain of the strategy as played at beliefs between the nodes, against the value of
that strategy; its quantiles; the Monte-Carlo ``value_error``; and ``success``, which rests on
them. ``grid_epsilon`` is the discretised problem's own residual, which says nothing about the
beliefs between the nodes.

Off the grid, ``strategy(pi)`` re-solves the stage fixed point at ``pi`` against the
interpolated V, preferring the solution nearest the interpolated neighbouring prescriptions
(notes §2.7): interpolating prescriptions across a region boundary would produce mixtures that
are not best responses.

Saved results are ``.npz`` archives of plain arrays plus a JSON header; loading never executes
code (no pickle).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from .beliefs.continuation import ContinuationValue
from .beliefs.grid import BeliefGrid
from .beliefs.update import update_agent_belief
from ._validation import GameValidationError, is_integer, short_repr
from .game import DynamicGame
from .symmetry import canonical_beliefs

__all__ = ["Equilibrium", "Simulation", "load"]

FORMAT_VERSION = 1
_OFFGRID_CACHE_SIZE = 1_000_000   # off-grid solves kept per equilibrium (a few hundred MB at most)


@dataclass(frozen=True)
class Simulation:
    """A path of the forward recursion (6.19)-(6.20).

    ``beliefs`` (steps+1, N, M_max); ``types`` (steps+1, N); ``actions`` (steps, N);
    ``rewards`` (steps, N).
    """

    beliefs: np.ndarray
    types: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def belief_in_true_type(self) -> np.ndarray:
        """π^j_t(x^j_t): the public belief in each agent's true type, (steps+1, N)."""
        t, n = self.types.shape
        return self.beliefs[np.arange(t)[:, None], np.arange(n)[None, :], self.types]


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A structured perfect Bayesian equilibrium computed on a belief grid.

    Attributes
    ----------
    converged : bool
        The iteration met its stopping rule (Bellman residual ≤ tol and no node changed case);
        for a finite horizon: every stage had an exact solution at every node.
    iterations : int
        Sweeps over the grid (value iteration, policy-iteration steps; T for a finite horizon).
    residual : float
        Sup-norm Bellman residual ‖𝒯V − V‖∞ of the returned (V, θ) (0 for a finite horizon, where
        V is computed from θ exactly).
    stage_residual : float
        Largest best-response gain at the nodes that are not flagged (6.17a at the nodes).
    epsilon : float or None
        Largest one-shot deviation gain of any agent-type in the *game*: at the beliefs of a grid
        finer than the solve grid and at beliefs visited by simulation, with the strategy the
        result plays there and continuation values of that strategy as played (policy
        evaluation on the check grid, not the solve grid's V). In value units;
        ``epsilon_per_round`` = (1 − δ)·epsilon. ``verification`` has its quantiles over the
        check beliefs, ``grid_epsilon`` (the discretised problem's own residual) and the
        Monte-Carlo ``value_error`` (see :func:`spbe.verify`).
    success : bool
        ``converged`` and the verification's tolerances hold (an ε-equilibrium of the game).
    flagged : (T, B) bool
        Nodes without an exact stage solution (the strategy with the smallest gain is kept).
    strategy_nodes : (T, B, N, Mx, Kx)
        Played prescriptions γ̃ at the nodes (T = 1 for an infinite horizon).
    values : (T + 1, B, N, Mx) or (1, B, N, Mx)
        V_t at the nodes (the last entry of a finite horizon is the terminal reward G).
    case : (T, B) int
        Case of the enumeration at each node (index into ``case_labels``; -1 none).
    history : tuple of dict
        Per sweep: δ, residual (per round), case changes, flagged nodes, phase.
    settings : dict
        Everything the solver was called with.
    stopped : bool
        The callback stopped the run before its stopping rule was met (``converged`` is then
        False); a solve resumed from its checkpoint goes on from there.
    """

    game: DynamicGame
    grid: BeliefGrid
    strategy_nodes: np.ndarray
    values: np.ndarray
    case: np.ndarray
    flagged: np.ndarray
    converged: bool
    iterations: int
    residual: float
    stage_residual: float
    message: str
    settings: dict
    history: tuple = ()
    epsilon: Optional[float] = None
    verification: dict = field(default_factory=dict)
    case_labels: tuple = ()
    elapsed: float = 0.0
    stopped: bool = False

    # ------------------------------------------------------------------ basics
    @property
    def success(self) -> bool:
        """The grid iteration converged *and* the verification found an equilibrium of the game
        within its tolerances (one-shot gains at the check beliefs, Monte-Carlo value error; see
        :func:`spbe.verify`). False for an unverified result."""
        return bool(self.converged and self.verification.get("success", False))

    @property
    def epsilon_per_round(self) -> Optional[float]:
        """(1 − δ)·epsilon for an infinite horizon (epsilon itself for a finite one)."""
        if self.epsilon is None:
            return None
        return (1 - self.delta) * self.epsilon if self.horizon is None else self.epsilon

    @property
    def grid_epsilon(self) -> Optional[float]:
        """The gain at the solve grid's nodes against the grid's own value of the node strategies:
        how well the discretised fixed point was solved, not a measure of the game."""
        return self.verification.get("grid_epsilon")

    @property
    def value_error(self) -> Optional[float]:
        """Largest gap beyond 3 standard errors between Monte-Carlo returns of the strategy as
        played and the reported values ``value(π)`` (value units; None if not checked)."""
        return self.verification.get("value_error")

    @property
    def horizon(self) -> Optional[int]:
        return self.settings.get("horizon")

    @property
    def delta(self) -> float:
        return float(self.settings["delta"])

    @property
    def n_flagged(self) -> int:
        return int(np.count_nonzero(self.flagged))

    def __repr__(self) -> str:
        if self.epsilon is None:
            eps = "not verified"
        else:
            q = self.verification.get("gain_per_round", {})
            eps = (f"{self.epsilon:.3g} (per round {self.epsilon_per_round:.3g}, median "
                   f"{q.get('median', float('nan')):.2g}, p99 {q.get('p99', float('nan')):.2g}; "
                   f"grid_epsilon per round {self.verification.get('grid_epsilon_per_round', float('nan')):.2g})")
        return (f"Equilibrium({self.game.name!r}, delta={self.delta}, horizon={self.horizon}, "
                f"grid={self.grid.resolution}, success={self.success}, converged={self.converged}, "
                f"iterations={self.iterations}, residual={self.residual:.3g}, "
                f"stage_residual={self.stage_residual:.3g}, flagged={self.n_flagged}, epsilon={eps}: "
                f"{self.message})")

    def _period(self, t: Optional[int]) -> int:
        T = self.strategy_nodes.shape[0]
        if t is None:
            return 0
        if self.horizon is None:
            return 0
        if not 1 <= t <= T:
            raise ValueError(f"t: the periods of this equilibrium are 1..{T}, got {t}")
        return t - 1

    def _next_values(self, k: int) -> np.ndarray:
        return self.values[k + 1] if self.horizon is not None else self.values[0]

    # ------------------------------------------------------------------ θ and V at any belief
    def value(self, pi, t: Optional[int] = None) -> tuple:
        """V^i(π, ·) per agent; ``t`` is the period of a finite horizon.

        At a node, the node's value. Off the grid, the value of playing the prescription
        ``strategy(pi)`` there, with the grid's continuation values after it (6.5):
        Σ_a γ̃^i(a|x) U^i(π, x, a). Unlike the plain interpolant of the node values, this is
        exact at δ = 0 and is the value the stage problem at π assumes; how far it is from what the
        strategy earns over the whole future is what the verification's Monte-Carlo check
        measures (``verification["value_error"]``). The interpolant itself is
        ``eq.grid.interpolate(eq.values[k], pi)``.
        """
        k = self._period(t)
        v = self._values_padded(self.game.padded_belief(pi)[None], k)[0]
        return tuple(v[i, :m].copy() for i, m in enumerate(self.game.n_types))

    def _values_padded(self, beliefs: np.ndarray, k: int) -> np.ndarray:
        """V at many padded beliefs (B, N, Mx): node values at nodes, the value of the played
        prescription against the grid's continuation elsewhere (see :meth:`value`)."""
        from .solvers.policy_evaluation import node_action_values
        beliefs = np.ascontiguousarray(beliefs, dtype=float)
        out = np.zeros(beliefs.shape)
        node = self.grid.locate_many(beliefs)
        on = node >= 0
        out[on] = self.values[k, node[on]]
        off = np.flatnonzero(~on)
        if len(off):
            played, _ = self._strategies_padded(beliefs[off], k)
            U = node_action_values(self.game, self.grid, beliefs[off], played,
                                   ContinuationValue(self.grid, self._next_values(k)), self.delta,
                                   self.settings.get("backend", "numba"))
            out[off] = (played * U).sum(axis=-1)
        return out

    def strategy(self, pi, t: Optional[int] = None) -> tuple:
        """``γ̃^i(·|x)`` per agent, an array types × actions, at any belief ``pi``."""
        k = self._period(t)
        gamma = self._strategy_padded(self.game.padded_belief(pi), k)
        return tuple(gamma[i, :m, :kk].copy() for i, (m, kk) in
                     enumerate(zip(self.game.n_types, self.game.n_actions)))

    def _node_solver(self):
        solver = self.__dict__.get("_solver_cache")
        if solver is None:
            from .stage.node_solver import NodeSolver
            s = self.settings
            # off the grid: the same fallbacks as on the grid (corner starts, then the lattice
            # scan). Without them, 155 of the 10,521 check beliefs of the 51 x 51, δ = 0.95
            # public-goods solution had no stage solution and epsilon per round was 4.0e-3; with
            # them 39 remain, whose best candidates gain at most 1.6e-6, and epsilon per round is
            # 8.0e-8 (verification 247 s instead of about 40 s on 2 cores).
            solver = NodeSolver(self.game, tol=s.get("stage_tol", 1e-9), eta=s.get("eta", 0.0),
                                n_starts=s.get("n_starts", 4), max_unknowns=s.get("max_unknowns"),
                                exhaustive_fallback=True, backend=s.get("backend", "numba"),
                                scan_threshold=s.get("scan_threshold", 0.0))
            object.__setattr__(self, "_solver_cache", solver)
        return solver

    def _strategies_padded(self, beliefs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Played prescriptions (B, N, Mx, Kx) at many beliefs; nodes are read, others re-solved.
        Also returns a flag per belief: no exact stage solution there.

        Off-grid solves are cached per (period, belief): the stage solve at a belief does not
        depend on the other beliefs of the batch, so a belief met again (on another path, at
        another step, in the verification) is answered from the cache. Beliefs that occur several
        times in one batch are solved once."""
        beliefs = np.ascontiguousarray(beliefs, dtype=float)
        out = np.zeros((len(beliefs),) + self.strategy_nodes.shape[2:])
        flags = np.zeros(len(beliefs), dtype=bool)
        node = self.grid.locate_many(beliefs)
        on = node >= 0
        out[on] = self.strategy_nodes[k, node[on]]
        flags[on] = self.flagged[k, node[on]]
        off = np.flatnonzero(~on)
        if len(off) == 0:
            return out, flags
        # the cache belongs to this equilibrium and its stage solver: a copy that installs
        # another solver (``_solver_cache``) starts its own
        solver = self._node_solver()
        held = self.__dict__.get("_offgrid_cache")
        if held is None or held[0] is not solver or len(held[1]) > _OFFGRID_CACHE_SIZE:
            held = (solver, {})
            object.__setattr__(self, "_offgrid_cache", held)
        cache = held[1]
        # the distinct off-grid beliefs of the batch, compared by their bytes (as the cache's
        # keys: a path batch meets the same few beliefs many times)
        rows = np.ascontiguousarray(beliefs[off])
        as_bytes = rows.reshape(len(off), -1).view(np.dtype((np.void, rows[0].nbytes))).ravel()
        distinct, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
        keys = [(k, bytes(d)) for d in distinct]
        missing = [j for j, key in enumerate(keys) if key not in cache]
        if missing:
            played, status = self._solve_off_grid(rows[first[missing]], k)
            for j, m in enumerate(missing):
                cache[keys[m]] = (played[j], status[j] != 0)
        held_rows = [cache[key] for key in keys]
        out[off] = np.stack([h[0] for h in held_rows])[inverse]
        flags[off] = np.array([h[1] for h in held_rows])[inverse]
        return out, flags

    def _solve_off_grid(self, beliefs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Re-solve the stage fixed point at off-grid beliefs (notes §2.7): against the
        interpolated V, preferring the solution nearest the interpolated prescriptions."""
        solve_at, labels = beliefs, None
        if self.settings.get("symmetry"):
            # solved with exchange symmetry: as on the grid, solve each belief once in
            # canonical agent order (labels: agents holding equal beliefs play alike) and
            # mirror the result. The start (interpolated θ, case of the heaviest node) is
            # taken at the canonical belief itself, so the result at a belief does not depend
            # on the other beliefs of the batch.
            solve_at, order, inverse, labels = canonical_beliefs(solve_at)
        refs, firsts = [], []
        for pb in solve_at:
            nodes, w = self.grid.stencil([pb[i, :m] for i, m in enumerate(self.game.n_types)])
            refs.append(np.tensordot(w, self.strategy_nodes[k, nodes], axes=(0, 0)))
            firsts.append(self.case[k, nodes[np.argmax(w)]])
        V = ContinuationValue(self.grid, self._next_values(k))
        # "auto": off the grid, as on it, the full "nearest" enumeration only in small games
        res = self._node_solver().solve(solve_at, V, self.delta, reference=np.array(refs),
                                        first_case=np.array(firsts), selection="auto",
                                        accept_dist=self.settings.get("accept_dist", 0.5),
                                        labels=labels, seeds=_belief_seeds(solve_at))
        played, status = res.played, res.status
        if labels is not None:
            n = len(beliefs)
            played = np.empty((n,) + res.played.shape[1:])
            played[np.arange(n)[:, None], order] = res.played[inverse]
            status = res.status[inverse]
        return played, status

    def _strategy_padded(self, pb: np.ndarray, k: int) -> np.ndarray:
        return self._strategies_padded(pb[None], k)[0][0]

    # ------------------------------------------------------------------ forward recursion
    def simulate(self, types, steps: int, seed: Optional[int] = None, belief=None) -> Simulation:
        """Run the forward recursion (6.19)-(6.20) for ``steps`` periods.

        Parameters
        ----------
        types : sequence of int or of type names
            True initial types x_1 (one per agent).
        steps : int
        seed : int, optional
            Seed of the random actions and type transitions.
        belief : optional initial public belief (default: the prior Q_0 of the game).
        """
        game = self.game
        if not is_integer(steps) or steps < 1:
            raise GameValidationError(f"steps: must be a positive integer, got {short_repr(steps)}")
        if isinstance(types, (str, bytes)) or not hasattr(types, "__len__"):
            raise GameValidationError(f"types: give one type per agent, got {short_repr(types)}")
        if len(types) != game.n_agents:
            raise ValueError(f"types: expected one type per agent ({game.n_agents}), got {len(types)}")
        x = np.array([game.type_index(i, t, f"types[{i}]") for i, t in enumerate(types)])
        for i, xi in enumerate(x):
            if not 0 <= xi < game.n_types[i]:
                raise ValueError(f"types[{i}]: type index {xi} is outside 0..{game.n_types[i] - 1}")
        if self.horizon is not None and steps > self.horizon:
            raise ValueError(f"steps: at most the horizon ({self.horizon}) for a finite-horizon equilibrium")
        rng = np.random.default_rng(seed)
        pb = game.padded_belief(game.prior if belief is None else belief)
        N = game.n_agents
        beliefs = np.zeros((steps + 1,) + pb.shape)
        type_path = np.zeros((steps + 1, N), dtype=np.int64)
        actions = np.zeros((steps, N), dtype=np.int64)
        rewards = np.zeros((steps, N))
        beliefs[0], type_path[0] = pb, x
        for t in range(steps):
            gamma = self._strategy_padded(pb, t if self.horizon is not None else 0)
            a = tuple(int(rng.choice(game.n_actions[i], p=gamma[i, x[i], :game.n_actions[i]] /
                                     gamma[i, x[i], :game.n_actions[i]].sum())) for i in range(N))
            actions[t] = a
            rewards[t] = game.rewards[(slice(None),) + tuple(x) + a]
            new_pb = np.zeros_like(pb)
            new_x = np.zeros(N, dtype=np.int64)
            for j in range(N):
                m = game.n_types[j]
                Q = game.kernels[j][(slice(None),) + a]
                new_pb[j, :m] = update_agent_belief(pb[j, :m], gamma[j, :m, a[j]],
                                                    None if game.static[j] else Q)
                new_x[j] = x[j] if game.static[j] else rng.choice(m, p=Q[x[j]])
            pb, x = new_pb, new_x
            beliefs[t + 1], type_path[t + 1] = pb, x
        return Simulation(beliefs, type_path, actions, rewards)

    def simulate_many(self, types, beliefs, steps: int, seed: Optional[int] = None) -> Simulation:
        """The forward recursion (6.19)-(6.20) for many paths at once (batched stage solves).

        Parameters
        ----------
        types : int array (P, N)
            True initial type index of every agent on each of the P paths.
        beliefs : array (P, N, M_max)
            Initial public beliefs (rows of each agent's block sum to 1; padding zero).
        steps : int
        seed : int, optional

        Returns
        -------
        Simulation whose arrays carry a leading path axis: beliefs (P, steps+1, N, M_max),
        types (P, steps+1, N), actions (P, steps, N), rewards (P, steps, N).
        """
        game = self.game
        if self.horizon is not None and steps > self.horizon:
            raise ValueError(f"steps: at most the horizon ({self.horizon}) for a finite-horizon equilibrium")
        if steps < 1:
            raise ValueError(f"steps: must be a positive integer, got {steps}")
        x = np.array(types, dtype=np.int64)
        pb = np.array(beliefs, dtype=float)
        N, Mx = game.n_agents, max(game.n_types)
        if x.ndim != 2 or x.shape[1] != N:
            raise ValueError(f"types: expected shape (P, {N}), got {x.shape}")
        if pb.shape != (len(x), N, Mx):
            raise ValueError(f"beliefs: expected shape ({len(x)}, {N}, {Mx}), got {pb.shape}")
        for i, m in enumerate(game.n_types):
            if np.any((x[:, i] < 0) | (x[:, i] >= m)):
                raise ValueError(f"types: agent {i} has type indices outside 0..{m - 1}")
            if not np.allclose(pb[:, i, :m].sum(axis=1), 1.0) or np.any(pb[:, i, :m] < 0):
                raise ValueError(f"beliefs: agent {i}'s beliefs are not probability vectors")
        rng = np.random.default_rng(seed)
        P = len(x)
        out_b = np.zeros((P, steps + 1, N, Mx))
        out_x = np.zeros((P, steps + 1, N), dtype=np.int64)
        out_a = np.zeros((P, steps, N), dtype=np.int64)
        out_r = np.zeros((P, steps, N))
        out_b[:, 0], out_x[:, 0] = pb, x
        for t in range(steps):
            gamma, _ = self._strategies_padded(pb, t if self.horizon is not None else 0)
            out_a[:, t], out_r[:, t], pb, x = forward_step(game, gamma, pb, x, rng)
            out_b[:, t + 1], out_x[:, t + 1] = pb, x
        return Simulation(out_b, out_x, out_a, out_r)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> Path:
        """Write an ``.npz`` archive (plain arrays and a JSON header; no pickle)."""
        path = Path(path)
        g = self.game
        header = dict(
            format_version=FORMAT_VERSION, name=g.name, types=[list(t) for t in g.types],
            actions=[list(a) for a in g.actions], agent_names=list(g.agent_names), delta=g.delta,
            horizon=g.horizon, grid_resolution=list(self.grid.resolution), converged=self.converged,
            iterations=self.iterations, residual=self.residual, stage_residual=self.stage_residual,
            epsilon=self.epsilon, verification=self.verification, message=self.message,
            settings=self.settings, history=list(self.history), case_labels=list(self.case_labels),
            elapsed=self.elapsed, stopped=self.stopped)
        arrays = dict(rewards=g.rewards, strategy_nodes=self.strategy_nodes, values=self.values,
                      case=self.case, flagged=self.flagged,
                      header=np.array(json.dumps(header, default=_json_default)))
        for i, (q, p) in enumerate(zip(g.kernels, g.prior)):
            arrays[f"kernel_{i}"] = q
            arrays[f"prior_{i}"] = p
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @classmethod
    def load(cls, path) -> "Equilibrium":
        """Read an archive written by :meth:`save` (never unpickles).

        A terminal reward given as a callable is not stored (it is code); its values on the grid
        are, as ``values[T]``: pass ``terminal_values=eq.values[-1]`` to solve that game again.
        """
        from ._file_checks import checked_equilibrium    # shapes, dtypes, values and header checked
        with checked_equilibrium(path) as data:
            header = json.loads(str(data["header"]))
            if header.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"path: unsupported format version {header.get('format_version')}")
            n = len(header["types"])
            game = DynamicGame(data["rewards"], types=header["types"], actions=header["actions"],
                               delta=header["delta"], kernels=[data[f"kernel_{i}"] for i in range(n)],
                               prior=[data[f"prior_{i}"] for i in range(n)], horizon=header["horizon"],
                               agent_names=header["agent_names"], name=header["name"])
            grid = BeliefGrid(game.n_types, header["grid_resolution"])
            return cls(game=game, grid=grid, strategy_nodes=data["strategy_nodes"], values=data["values"],
                       case=data["case"], flagged=data["flagged"], converged=header["converged"],
                       iterations=header["iterations"], residual=header["residual"],
                       stage_residual=header["stage_residual"], message=header["message"],
                       settings=header["settings"], history=tuple(header["history"]),
                       epsilon=header["epsilon"], verification=header["verification"],
                       case_labels=tuple(header["case_labels"]), elapsed=header["elapsed"],
                       stopped=header.get("stopped", False))


def _belief_seeds(beliefs: np.ndarray) -> np.ndarray:
    """A seed per belief from its bytes (CRC-32), so that an off-grid stage solve at a belief
    draws the same multi-start points whichever batch it is solved in."""
    import zlib
    beliefs = np.ascontiguousarray(beliefs, dtype=float)
    return np.array([zlib.crc32(b.tobytes()) for b in beliefs], dtype=np.int64)


def forward_step(game: DynamicGame, gamma: np.ndarray, pb: np.ndarray, x: np.ndarray,
                 rng: np.random.Generator, forced: Optional[tuple] = None):
    """One period of the forward recursion (6.19)-(6.20) on P paths at once.

    ``gamma`` (P, N, Mx, Kx) are the prescriptions played at the paths' beliefs ``pb``
    (P, N, Mx), ``x`` (P, N) the true types. Actions are drawn from γ̃^i(·|x^i), the public
    belief of every agent is updated by Bayes' rule with the prescription (6.7) and, for
    Markov types, pushed through Q^i(·|·, a); new types are drawn from Q^i. ``forced`` =
    (agent, action), two int arrays (P,), overrides the drawn action of ``agent[p]`` on path
    p where ``agent[p] >= 0``: an unobserved one-shot deviation (the public still updates
    with γ̃). Returns ``(actions, rewards, new_beliefs, new_types)``; ``x`` is not modified.
    """
    P, N = x.shape
    rows = np.arange(P)
    x = x.copy()
    a = np.zeros((P, N), dtype=np.int64)
    for i in range(N):
        k = game.n_actions[i]
        probs = gamma[rows, i, x[:, i], :k]
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        a[:, i] = np.minimum((rng.random(P)[:, None] > cum).sum(axis=1), k - 1)
    if forced is not None:
        agent, action = forced
        hit = np.flatnonzero(agent >= 0)
        a[hit, agent[hit]] = action[hit]
    rewards = game.rewards[(slice(None),) + tuple(x.T) + tuple(a.T)].T
    new_pb = np.zeros_like(pb)
    for j in range(N):
        m = game.n_types[j]
        like = gamma[rows, j, :m, a[:, j]]                      # (P, m)
        joint = pb[:, j, :m] * like
        den = joint.sum(axis=1, keepdims=True)
        post = np.where(den > 0, joint / np.where(den > 0, den, 1.0), pb[:, j, :m])
        if not game.static[j]:
            Q = game.kernels[j][(slice(None),) + tuple(a.T)]    # (m, P, m)
            post = np.einsum("px,xpy->py", post, Q)
            cum = np.cumsum(Q[x[:, j], rows], axis=1)
            x[:, j] = np.minimum((rng.random(P)[:, None] > cum).sum(axis=1), m - 1)
        new_pb[:, j, :m] = post
    return a, rewards, new_pb, x


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def load(path) -> Equilibrium:
    """Load an :class:`Equilibrium` saved with :meth:`Equilibrium.save`."""
    return Equilibrium.load(path)
