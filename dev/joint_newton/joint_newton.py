"""Semismooth Newton on the whole grid system (6.17) at once, for binary-action games with trembles.

Value iteration with a selection rule finds the fixed point (6.17) only when it is *stable* for
the iteration. With several stage equilibria per belief the selected branch can end at a fold:
then the node jumps to another branch, its value jumps, the old branch comes back, and the
iteration cycles (observed on the public-goods game at δ ≥ 0.9 on 21 × 21 grids). The fixed
point that exists (Kakutani, on the agent form of the grid problem: every (node, agent, type)
best-responds to the others and to the value V^θ of the whole profile, which is continuous in θ
with trembles) then lies on the unstable middle branch between the folds, which no iteration
V ← 𝒯V reaches.

Here the grid problem is written as one square, semismooth system in the logits z_{b,i,x} of the intended probabilities
q = γ̃^i_b(1 | x) = σ(z) and the values V_{b,i,x}:

    Φ_z = z − clip(z + s·f(σ(z), V), −Z, Z)      (6.17a as a box complementarity problem)
    Φ_V = V − Σ_a γ_eff(a) U(a; σ(z), V)          (6.17b)

where f = U(1) − U(0) is the gain from action 1, γ_eff = (1 − 2η) γ̃ + η the played (trembled)
prescription, s > 0 a scale (it changes no solution) and Z = 40 (σ(−Z) ≈ 4e-18: a logit at
−Z is the pure action 0, up to far less than the tremble). Logits, not probabilities: the
solutions in the tremble's boundary layer (q ≈ η, where the belief after the rare action is set
by a ratio of tiny probabilities) vary on the scale 1 in z but 1e-7 in q. Φ = 0 exactly when every node plays a
stage equilibrium against V and V is the value of the strategy on the grid. The Jacobian is
sparse: a node's equations depend on its own q and on V at the grid nodes around its updated
beliefs. It is built by finite differences (own-node columns all at once; V columns by a greedy
colouring of the nodes) and the Newton step is damped by an Armijo line search on ‖Φ‖².
Started from the value-iteration state, Newton converges to the nearby fixed point whether it
is stable for value iteration or not.
"""
from __future__ import annotations

import time
from typing import Optional

import numpy as np

from ..beliefs.continuation import ContinuationValue
from ..beliefs.grid import BeliefGrid
from ..stage.node_solver import kernel_context
from .policy_evaluation import node_action_values

__all__ = ["joint_newton", "applicable"]

Z_BOX = 40.0      # start logits are clipped here
Z_PIN = 30.0      # a mixed probability whose logit runs past this is pinned to the pure action
MAX_LOGIT_STEP = 4.0


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def applicable(game, eta: float) -> bool:
    """The joint Newton polish needs binary actions (one probability per agent-type) and trembles."""
    return eta > 0 and all(k == 2 for k in game.n_actions)


class _GridSystem:
    """The grid system for a fixed active set ``pinned`` (B, N, Mx): −1 / +1 = action 0 / 1 for sure,
    0 = mixed, with logit z. Unknowns u = (z, V) over the valid (agent, type) entries."""

    def __init__(self, game, grid: BeliefGrid, delta: float, eta: float, scale: float, pinned):
        self.game, self.grid, self.delta, self.eta, self.scale = game, grid, delta, eta, scale
        self.beliefs = grid.nodes()
        B, N, Mx = grid.n_nodes, game.n_agents, max(game.n_types)
        self.shape = (B, N, Mx)
        self.mask = np.zeros((N, Mx), dtype=bool)
        for i, m in enumerate(game.n_types):
            self.mask[i, :m] = True
        self.n_per_node = int(self.mask.sum())
        self.n_z = B * self.n_per_node
        self.pinned = pinned

    def intended(self, z):
        q = _sigmoid(z)
        q = np.where(self.pinned > 0, 1.0, np.where(self.pinned < 0, 0.0, q))
        return q

    def played(self, z):
        q = self.intended(z)
        g = np.zeros(self.shape + (2,))
        g[..., 1] = (1 - 2 * self.eta) * q + self.eta
        g[..., 0] = 1 - g[..., 1]
        g[:, ~self.mask] = 0.0
        return g

    def gains(self, z, V):
        played = self.played(z)
        U = node_action_values(self.game, self.grid, self.beliefs, played,
                               ContinuationValue(self.grid, V), self.delta)
        return U[..., 1] - U[..., 0], played, U

    def residual(self, z, V):
        f, played, U = self.gains(z, V)
        phi_z = np.where(self.pinned == 0, self.scale * f, z)
        phi_v = V - (played * U).sum(axis=-1)
        return phi_z[:, self.mask], phi_v[:, self.mask]

    def pack(self, z, V):
        return np.concatenate([z[:, self.mask].ravel(), V[:, self.mask].ravel()])

    def unpack(self, u):
        B = self.shape[0]
        z = np.zeros(self.shape)
        V = np.zeros(self.shape)
        z[:, self.mask] = u[:self.n_z].reshape(B, -1)
        V[:, self.mask] = u[self.n_z:].reshape(B, -1)
        return z, V

    def phi(self, u):
        z, V = self.unpack(u)
        pz, pv = self.residual(z, V)
        return np.concatenate([pz.ravel(), pv.ravel()])

    def dependencies(self, z):
        """Pairs (b, s): the equations of node b read V at node s (stencils of the updates)."""
        from .._kernels.evaluation import transition_entries
        game, grid = self.game, self.grid
        played = np.ascontiguousarray(self.played(z))
        ctx = kernel_context(game, ContinuationValue.zeros(grid), self.delta)
        B, N, Mx = self.shape
        cap = B * game.n_action_profiles * N * Mx * Mx * int(np.prod(grid.n_types))
        rows = np.empty(cap, dtype=np.int64)
        cols = np.empty(cap, dtype=np.int64)
        vals = np.empty(cap)
        n = transition_entries(ctx, self.beliefs, played, rows, cols, vals)
        pairs = np.stack([rows[:n] // (N * Mx), cols[:n] // (N * Mx)], 1)
        pairs = np.concatenate([pairs, np.stack([np.arange(B), np.arange(B)], 1)])
        return np.unique(pairs, axis=0)

    def jacobian(self, u, phi0):
        from scipy.sparse import coo_matrix
        z, V = self.unpack(u)
        B, N, Mx = self.shape
        P = self.n_per_node
        n_eq = 2 * B * P
        rows, cols, vals = [], [], []
        node_eq = np.arange(B)[:, None] * P + np.arange(P)[None, :]
        eq_of_node = np.concatenate([node_eq, self.n_z + node_eq], axis=1)   # (B, 2P)
        valid = np.argwhere(self.mask)
        # own-node z columns, all nodes at once (a node's equations read only its own strategy)
        for k, (i, x) in enumerate(valid):
            h = 1e-6 * np.maximum(1.0, np.abs(z[:, i, x]))
            z2 = z.copy()
            z2[:, i, x] += h
            d = self.phi(self.pack(z2, V)) - phi0
            col = np.arange(B) * P + k
            for r in range(2 * P):
                rr = eq_of_node[:, r]
                rows.append(rr)
                cols.append(col)
                vals.append(d[rr] / h)
        # V columns: colour nodes so that no node reads two nodes of one colour
        pairs = self.dependencies(z)
        readers = [[] for _ in range(B)]
        reads = [[] for _ in range(B)]
        for b, s in pairs:
            readers[s].append(b)
            reads[b].append(s)
        colour = -np.ones(B, dtype=np.int64)
        for s in range(B):
            used = {int(colour[s2]) for b in readers[s] for s2 in reads[b] if colour[s2] >= 0}
            c = 0
            while c in used:
                c += 1
            colour[s] = c
        h = 1e-6 * max(1.0, float(np.abs(V).max()))
        for c in range(int(colour.max()) + 1):
            members = np.flatnonzero(colour == c)
            owner = -np.ones(B, dtype=np.int64)
            for s in members:
                owner[readers[s]] = s
            affected = np.flatnonzero(owner >= 0)
            for k, (i, x) in enumerate(valid):
                V2 = V.copy()
                V2[members, i, x] += h
                d = (self.phi(self.pack(z, V2)) - phi0) / h
                col = self.n_z + owner[affected] * P + k
                for r in range(2 * P):
                    rr = eq_of_node[affected, r]
                    rows.append(rr)
                    cols.append(col)
                    vals.append(d[rr])
        rows = np.concatenate(rows)
        cols = np.concatenate(cols)
        vals = np.concatenate(vals)
        keep = vals != 0.0
        return coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n_eq, n_eq)).tocsc()


def _newton(system, u, tol, max_iter, callback, outer):
    """Damped Newton on system.phi from u; returns (u, phi, history, converged)."""
    from scipy.sparse import identity
    from scipy.sparse.linalg import spsolve
    phi = system.phi(u)
    history = [float(np.abs(phi).max())]
    n = len(u)
    for it in range(max_iter):
        if history[-1] <= tol:
            return u, phi, history, True
        J = system.jacobian(u, phi)
        # a tiny Tikhonov term: on lines of beliefs where a mixed probability is free (a continuum
        # of solutions, e.g. the thesis's lines π_j = x^L) the Jacobian is singular
        step = spsolve((J + 1e-9 * identity(n)).tocsc(), -phi)
        if not np.all(np.isfinite(step)):
            break
        # logits move by at most MAX_LOGIT_STEP per iteration: nearly free mixed probabilities
        # (flat gains) otherwise take huge steps that ruin the line search
        step[:system.n_z] = np.clip(step[:system.n_z], -MAX_LOGIT_STEP, MAX_LOGIT_STEP)
        merit = float(phi @ phi)
        t = 1.0
        while t >= 1e-6:
            trial = u + t * step
            phi_t = system.phi(trial)
            if float(phi_t @ phi_t) <= (1 - 1e-4 * t) * merit:
                break
            t *= 0.5
        else:
            break
        u, phi = trial, phi_t
        history.append(float(np.abs(phi).max()))
        if callback is not None:
            callback(dict(phase="joint-newton", outer=outer, iteration=it + 1, residual=history[-1], step=t))
    return u, phi, history, history[-1] <= tol


def joint_newton(game, grid: BeliefGrid, delta: float, eta: float, strategy: np.ndarray, values: np.ndarray,
                 *, tol: float = 1e-10, max_iter: int = 30, max_outer: int = 20, sign_tol: Optional[float] = None,
                 callback=None) -> dict:
    """Active-set Newton on the grid system (6.17), from an intended strategy and values.

    The active set (which probabilities are 0, 1 or mixed at every node) starts from
    ``strategy``; for a fixed active set the system in (logits of the mixed probabilities, V) is
    smooth and solved by damped Newton; then mixed probabilities that ran to a bound are pinned
    and pinned ones whose gain has the wrong sign are freed, until nothing changes.

    Parameters
    ----------
    strategy : (B, N, Mx, 2) intended prescriptions γ̃ at the nodes (exact 0/1 for pure ones)
    values : (B, N, Mx) the start for V
    tol : Newton stops when max |Φ| ≤ tol · (1 + max |V|)
    sign_tol : gain tolerance of the sign conditions of pinned probabilities (default 10 η)

    Returns a dict: ``converged``, ``strategy`` (intended), ``played``, ``values``, ``residual``,
    ``iterations`` (Newton steps in all), ``active_set_changes`` (per outer round), ``elapsed``.
    """
    t0 = time.perf_counter()
    if not applicable(game, eta):
        raise ValueError("game: the joint Newton polish needs binary actions and eta > 0")
    sign_tol = 10 * eta if sign_tol is None else sign_tol
    strategy = np.asarray(strategy, dtype=float)
    q = strategy[..., 1]
    pinned = np.where(q <= 0.0, -1, np.where(q >= 1.0, 1, 0)).astype(np.int64)
    z = np.log(np.clip(q, 1e-300, 1)) - np.log(np.clip(1 - q, 1e-300, 1))
    z = np.where(pinned == 0, np.clip(z, -Z_BOX, Z_BOX), 0.0)
    V = np.asarray(values, dtype=float).copy()
    changes = []
    iterations = 0
    converged = False
    history = []
    system = None
    for outer in range(max_outer):
        system = _GridSystem(game, grid, delta, eta, 1.0 - delta, pinned)
        u = system.pack(z, V)
        target = tol * (1.0 + float(np.abs(V).max()))
        u, phi, hist, ok = _newton(system, u, target, max_iter, callback, outer)
        iterations += len(hist) - 1
        history.extend(hist)
        z, V = system.unpack(u)
        if not ok:
            break
        f, _, _ = system.gains(z, V)
        valid = system.mask[None, :, :]
        to_pin = valid & (pinned == 0) & (np.abs(z) > Z_PIN)
        free_low = valid & (pinned < 0) & (f > sign_tol)
        free_high = valid & (pinned > 0) & (f < -sign_tol)
        n_changed = int(to_pin.sum() + free_low.sum() + free_high.sum())
        changes.append(n_changed)
        if n_changed == 0:
            converged = True
            break
        pinned = np.where(to_pin, np.sign(z).astype(np.int64), pinned)
        z = np.where(free_low, -np.log(1 / eta), np.where(free_high, np.log(1 / eta), z))
        pinned = np.where(free_low | free_high, 0, pinned)
    q = system.intended(z)
    out_strategy = np.zeros(q.shape + (2,))
    out_strategy[..., 1] = q
    out_strategy[..., 0] = 1 - q
    out_strategy[:, ~system.mask] = 0.0
    return dict(converged=bool(converged), strategy=out_strategy, played=system.played(z), values=V,
                residual=history[-1] if history else np.inf, iterations=iterations,
                active_set_changes=changes, history=history, elapsed=time.perf_counter() - t0)
