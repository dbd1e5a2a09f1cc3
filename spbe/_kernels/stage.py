"""Numba kernel: action values U^i(π, x^i, a^i; γ̃, V) of the stage fixed point.

Implementation notes §1.3 ("operational form" of (6.4)/(6.17a))::

    U^i(π, x^i, a^i) = Σ_{x^{-i}, a^{-i}} Π_{j≠i} π^j(x^j) γ̃^j(a^j|x^j) ·
                       [ R^i(x, a) + δ Σ_{x'} Q^i(x'|x^i, a) V^i(F(π, γ̃, a), x') ]

The continuation depends on the action profile only, so it is evaluated once per profile
(N·Π K_j interpolations of V in total) and weighted by the marginals σ^j(a^j) = Σ_x π^j(x) γ̃^j(a^j|x).
"""
import numpy as np
from numba import njit

from .beliefs import interpolate_flat, update_agent_belief


@njit(cache=True)
def action_values(belief, gamma, offpath, rewards, kernels, static, n_types, n_actions,
                  type_profiles, action_profiles, delta, values, has_values,
                  grid_n_types, grid_resolution, rank_table, rank_offset, node_stride, out):
    """Fill ``out[i, x, a]`` = U^i(π, x, a; γ̃, V).

    belief (N, Mx); gamma (N, Mx, Kx); offpath (N, Kx) bool: force the zero-denominator
    branch of (6.7) for agent j's action a; rewards (N, X, A); kernels (N, Mx, A, Mx);
    values (n_nodes, N*Mx) node values of V (ignored unless ``has_values``).
    """
    n_agents = n_types.shape[0]
    m_max = belief.shape[1]
    k_max = gamma.shape[2]
    n_x = type_profiles.shape[0]
    n_a = action_profiles.shape[0]
    for i in range(n_agents):
        for x in range(m_max):
            for a in range(k_max):
                out[i, x, a] = 0.0
    sigma = np.zeros((n_agents, k_max))
    for j in range(n_agents):
        for a in range(n_actions[j]):
            for x in range(n_types[j]):
                sigma[j, a] += belief[j, x] * gamma[j, x, a]

    # immediate reward: joint weight of (x^{-i}, a^{-i})
    w = np.empty(n_agents)
    for xi in range(n_x):
        for ai in range(n_a):
            for j in range(n_agents):
                xj = type_profiles[xi, j]
                w[j] = belief[j, xj] * gamma[j, xj, action_profiles[ai, j]]
            for i in range(n_agents):
                p = 1.0
                for j in range(n_agents):
                    if j != i:
                        p *= w[j]
                if p != 0.0:
                    out[i, type_profiles[xi, i], action_profiles[ai, i]] += p * rewards[i, xi, ai]

    if not has_values or delta == 0.0:
        return
    next_belief = np.zeros((n_agents, m_max))
    likelihood = np.empty(m_max)
    cont = np.empty(values.shape[1])
    loo = np.empty(n_agents)
    for ai in range(n_a):
        needed = False
        for i in range(n_agents):
            p = 1.0
            for j in range(n_agents):
                if j != i:
                    p *= sigma[j, action_profiles[ai, j]]
            loo[i] = p
            if p != 0.0:
                needed = True
        if not needed:
            continue
        for j in range(n_agents):
            aj = action_profiles[ai, j]
            for x in range(m_max):
                likelihood[x] = gamma[j, x, aj]
            update_agent_belief(belief[j], n_types[j], likelihood, kernels[j, :, ai, :], static[j],
                                offpath[j, aj], next_belief[j])
        interpolate_flat(values, next_belief, grid_n_types, grid_resolution, rank_table,
                         rank_offset, node_stride, cont)
        for i in range(n_agents):
            if loo[i] == 0.0:
                continue
            own = action_profiles[ai, i]
            for x in range(n_types[i]):
                if static[i]:
                    c = cont[i * m_max + x]
                else:
                    c = 0.0
                    for y in range(n_types[i]):
                        c += kernels[i, x, ai, y] * cont[i * m_max + y]
                out[i, x, own] += delta * loo[i] * c
