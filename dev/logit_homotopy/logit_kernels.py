"""Numba kernels: the logit-smoothed (quantal response) stage map at every grid node.

The logit response replaces the best response of (6.17a) by γ^i(a|x) ∝ exp(λ U^i(π, x, a)).
Strategies are carried as log-probabilities, and the Bayes update (6.7) weighs types by
exp(log γ − max_x log γ) per (agent, action): the same posterior, with no underflow, so an
action that every type plays with probability 1e-400 still has a well-defined posterior (the
one the ratio of the tiny probabilities gives). The whole grid system is then smooth in the
logits and the continuation values, which is what lets Newton's method solve it jointly.
"""
import numpy as np
from numba import njit, prange

from spbe._kernels.beliefs import belief_stencil, update_agent_belief
from spbe._kernels.stage import action_values


@njit(cache=True)
def log_strategy(z, n_types, n_actions, logp):
    """Normalised log-probabilities (log-softmax over each agent-type's actions); padding -inf."""
    N, Mx, Kx = z.shape
    for j in range(N):
        for x in range(Mx):
            if x >= n_types[j]:
                for a in range(Kx):
                    logp[j, x, a] = -np.inf
                continue
            top = -np.inf
            for a in range(n_actions[j]):
                if z[j, x, a] > top:
                    top = z[j, x, a]
            total = 0.0
            for a in range(n_actions[j]):
                total += np.exp(z[j, x, a] - top)
            lse = top + np.log(total)
            for a in range(Kx):
                logp[j, x, a] = z[j, x, a] - lse if a < n_actions[j] else -np.inf


@njit(cache=True)
def _likelihoods(logp, n_types, n_actions, gamma, lik):
    N, Mx, Kx = logp.shape
    for j in range(N):
        for a in range(Kx):
            top = -np.inf
            for x in range(n_types[j]):
                if logp[j, x, a] > top:
                    top = logp[j, x, a]
            for x in range(Mx):
                gamma[j, x, a] = np.exp(logp[j, x, a])
                lik[j, x, a] = np.exp(logp[j, x, a] - top) if top > -np.inf else 0.0


@njit(cache=True, parallel=True)
def logit_action_values_nodes(ctx, beliefs, z, out_logp, out_U):
    """For logits ``z`` (B, N, Mx, Kx): the log-strategies and U^i(π_b, x, a; γ_b, V) per node."""
    n_types = ctx[3]
    n_actions = ctx[4]
    B, N, Mx, Kx = z.shape
    for b in prange(B):
        gamma = np.empty((N, Mx, Kx))
        lik = np.empty((N, Mx, Kx))
        offpath = np.zeros((N, Kx), dtype=np.bool_)
        log_strategy(z[b], n_types, n_actions, out_logp[b])
        _likelihoods(out_logp[b], n_types, n_actions, gamma, lik)
        action_values(beliefs[b], gamma, lik, offpath, ctx[0], ctx[1], ctx[2], ctx[3], ctx[4],
                      ctx[5], ctx[6], ctx[7], ctx[8], ctx[9], ctx[10], ctx[11], ctx[12], ctx[13],
                      ctx[14], out_U[b])


@njit(cache=True)
def value_jacobian_entries(ctx, beliefs, z, rows, cols, vals):
    """COO entries of ∂U/∂V: U^i(π_b, x, a) is linear in the node values of V.

    Row ((b·N + i)·Mx + x)·Kx + a, column (s·N + i)·Mx + y, value
    δ Π_{j≠i} σ^j_b(a^j) Q^i(y|x, a) w_s(F(π_b, γ_b, a)), summed over the profiles a with own
    action a^i = a. Returns the number of entries written.
    """
    kernels = ctx[1]
    static = ctx[2]
    n_types = ctx[3]
    n_actions = ctx[4]
    action_profiles = ctx[6]
    delta = ctx[7]
    grid_n_types = ctx[10]
    B, N, Mx, Kx = z.shape
    n_a = action_profiles.shape[0]
    size = 1
    for i in range(grid_n_types.shape[0]):
        size *= max(grid_n_types[i], 4)
    nodes = np.empty(size, dtype=np.int64)
    weights = np.empty(size)
    next_belief = np.zeros((N, Mx))
    likelihood = np.empty(Mx)
    logp = np.empty((N, Mx, Kx))
    gamma = np.empty((N, Mx, Kx))
    lik = np.empty((N, Mx, Kx))
    sigma = np.zeros((N, Kx))
    count = 0
    for b in range(B):
        belief = beliefs[b]
        log_strategy(z[b], n_types, n_actions, logp)
        _likelihoods(logp, n_types, n_actions, gamma, lik)
        sigma[:] = 0.0
        for j in range(N):
            for a in range(n_actions[j]):
                for x in range(n_types[j]):
                    sigma[j, a] += belief[j, x] * gamma[j, x, a]
        for ai in range(n_a):
            for j in range(N):
                aj = action_profiles[ai, j]
                for x in range(Mx):
                    likelihood[x] = lik[j, x, aj]
                update_agent_belief(belief[j], n_types[j], likelihood, kernels[j, :, ai, :], static[j],
                                    False, next_belief[j])
            n_s = belief_stencil(next_belief, ctx[10], ctx[11], ctx[12], ctx[13], ctx[14], nodes, weights)
            for i in range(N):
                others = delta
                for j in range(N):
                    if j != i:
                        others *= sigma[j, action_profiles[ai, j]]
                if others == 0.0:
                    continue
                own = action_profiles[ai, i]
                for x in range(n_types[i]):
                    row = ((b * N + i) * Mx + x) * Kx + own
                    for y in range(n_types[i]):
                        q = 1.0 if (static[i] and y == x) else (0.0 if static[i] else kernels[i, x, ai, y])
                        if q == 0.0:
                            continue
                        for s in range(n_s):
                            rows[count] = row
                            cols[count] = (nodes[s] * N + i) * Mx + y
                            vals[count] = others * q * weights[s]
                            count += 1
    return count
