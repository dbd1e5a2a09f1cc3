"""Numba kernel: the linear system of policy evaluation on a belief grid.

For a fixed stationary prescription map θ (γ_b at every node b), the value of the strategy
profile it generates through the forward recursion (6.19)-(6.20) satisfies, on the grid,

    W^i(b, x) = r^i(b, x) + δ Σ_a P(a | b, x; i) Σ_{x'} Q^i(x'|x, a) Σ_s w_s(F(π_b, γ_b, a)) W^i(s, x'),

with P(a | b, x; i) = γ^i_b(a^i|x) Π_{j≠i} σ^j_b(a^j) and w_s the interpolation weights of the updated
belief. This kernel lists the non-zero entries of the transition part; the system
(I - δ P) W = r is solved by scipy's sparse solver (it is a δ-contraction, so I - δP is invertible).
Rows and columns are indexed ((b * N + i) * Mx + x), the C order of a (B, N, Mx) array.
"""
import numpy as np
from numba import njit

from .beliefs import belief_stencil, update_agent_belief


@njit(cache=True)
def transition_entries(ctx, beliefs, gammas, rows, cols, vals):
    """Fill the COO entries (without δ); returns the number written."""
    kernels = ctx[1]
    static = ctx[2]
    n_types = ctx[3]
    n_actions = ctx[4]
    action_profiles = ctx[6]
    grid_n_types = ctx[10]
    B = beliefs.shape[0]
    N = n_types.shape[0]
    Mx = beliefs.shape[2]
    n_a = action_profiles.shape[0]
    size = 1
    for i in range(grid_n_types.shape[0]):
        size *= grid_n_types[i]
    nodes = np.empty(size, dtype=np.int64)
    weights = np.empty(size)
    next_belief = np.zeros((N, Mx))
    likelihood = np.empty(Mx)
    sigma = np.zeros((N, gammas.shape[3]))
    count = 0
    for b in range(B):
        belief = beliefs[b]
        gamma = gammas[b]
        sigma[:] = 0.0
        for j in range(N):
            for a in range(n_actions[j]):
                for x in range(n_types[j]):
                    sigma[j, a] += belief[j, x] * gamma[j, x, a]
        for ai in range(n_a):
            for j in range(N):
                aj = action_profiles[ai, j]
                for x in range(Mx):
                    likelihood[x] = gamma[j, x, aj]
                # exact zero test on the played strategy: pure supports hold exact zeros
                update_agent_belief(belief[j], n_types[j], likelihood, kernels[j, :, ai, :], static[j],
                                    not (sigma[j, aj] > 0.0), next_belief[j])
            n_s = belief_stencil(next_belief, ctx[10], ctx[11], ctx[12], ctx[13], ctx[14], nodes, weights)
            for i in range(N):
                others = 1.0
                for j in range(N):
                    if j != i:
                        others *= sigma[j, action_profiles[ai, j]]
                if others == 0.0:
                    continue
                own = action_profiles[ai, i]
                for x in range(n_types[i]):
                    p = gamma[i, x, own] * others
                    if p == 0.0:
                        continue
                    row = (b * N + i) * Mx + x
                    for y in range(n_types[i]):
                        q = 1.0 if (static[i] and y == x) else (0.0 if static[i] else kernels[i, x, ai, y])
                        if q == 0.0:
                            continue
                        for s in range(n_s):
                            rows[count] = row
                            cols[count] = (nodes[s] * N + i) * Mx + y
                            vals[count] = p * q * weights[s]
                            count += 1
    return count
