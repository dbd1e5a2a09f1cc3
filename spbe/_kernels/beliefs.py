"""Numba kernels: Bayes update (6.7) and Kuhn-triangulation interpolation on belief grids.

Grid data passed to the kernels (built by :class:`spbe.beliefs.BeliefGrid`):

``n_types``     (N,) int64   M_i
``resolution``  (N,) int64   n_i, the lattice S_{n_i}(M_i) = {k/n_i : k ∈ ℤ^{M_i}_{≥0}, Σk = n_i}
``rank_table``  (T,) int64   concatenated per-agent tables: lattice point -> rank, -1 if invalid,
                             indexed by (k_0, ..., k_{M_i-2}) in base n_i + 1
``rank_offset`` (N,) int64   start of agent i's table in ``rank_table``
``node_stride`` (N,) int64   node index = Σ_i rank_i · node_stride[i] (last agent fastest)
"""
import numpy as np
from numba import njit


@njit(cache=True)
def update_agent_belief(pi, m, likelihood, transition, static, force_offpath, out):
    """F(π^j, γ^j, a) of (6.7) for one agent, written into ``out[:m]``.

    ``likelihood[x] = γ^j(a^j | x)``, ``transition[x, x'] = Q^j(x' | x, a)``.
    The zero-denominator branch (the second case of (6.7)) is taken when ``force_offpath``
    is set (the stage solver decides it from the support pattern, never from a rounded
    float) or when the denominator is exactly zero.
    """
    den = 0.0
    for x in range(m):
        den += pi[x] * likelihood[x]
    offpath = force_offpath or not (den > 0.0)
    for y in range(m):
        out[y] = 0.0
    if static:
        for x in range(m):
            out[x] = pi[x] if offpath else pi[x] * likelihood[x] / den
        return offpath
    for x in range(m):
        w = pi[x] if offpath else pi[x] * likelihood[x] / den
        if w == 0.0:
            continue
        for y in range(m):
            out[y] += w * transition[x, y]
    return offpath


@njit(cache=True)
def agent_stencil(pi, m, n, rank_table, offset, out_rank, out_weight):
    """Barycentric weights of ``pi`` on the Freudenthal/Kuhn triangulation of S_n(m).

    Writes at most ``m`` (rank, weight) pairs and returns their count. Weights are
    non-negative and sum to one; vertices of zero weight are skipped. Notes §2.3:
    y = nπ; cumulative z_k = Σ_{l≥k} y_l (k = 1..m-1); b = ⌊z⌋, r = z - b; walk the vertices
    b, b + e_σ1, ... in order of decreasing r.
    """
    if m == 1:
        out_rank[0] = 0
        out_weight[0] = 1.0
        return 1
    # clip and renormalise to remove round-off
    total = 0.0
    for x in range(m):
        total += max(pi[x], 0.0)
    z = np.empty(m - 1)
    acc = 0.0
    for k in range(m - 1, 0, -1):
        acc += max(pi[k], 0.0) / total * n
        z[k - 1] = min(acc, float(n))
    base = np.empty(m - 1, dtype=np.int64)
    frac = np.empty(m - 1)
    for k in range(m - 1):
        b = np.floor(z[k])
        if b > n:
            b = float(n)
        base[k] = np.int64(b)
        frac[k] = z[k] - b
    # order of decreasing fractional part; ties keep index order (keeps z monotone)
    order = np.empty(m - 1, dtype=np.int64)
    for k in range(m - 1):
        order[k] = k
    for a in range(1, m - 1):
        key = order[a]
        c = a - 1
        while c >= 0 and frac[order[c]] < frac[key]:
            order[c + 1] = order[c]
            c -= 1
        order[c + 1] = key
    count = 0
    vert = base.copy()
    for step in range(m):
        if step == 0:
            w = 1.0 - frac[order[0]]
        elif step < m - 1:
            vert[order[step - 1]] += 1
            w = frac[order[step - 1]] - frac[order[step]]
        else:
            vert[order[step - 1]] += 1
            w = frac[order[step - 1]]
        if w <= 0.0:
            continue
        # cumulative -> lattice coordinates k_0 .. k_{m-2}, then the table index
        idx = 0
        prev = n
        for k in range(m - 1):
            idx = idx * (n + 1) + (prev - vert[k])
            prev = vert[k]
        out_rank[count] = rank_table[offset + idx]
        out_weight[count] = w
        count += 1
    return count


@njit(cache=True)
def belief_stencil(belief, n_types, resolution, rank_table, rank_offset, node_stride,
                   out_nodes, out_weights):
    """Tensor product of the per-agent stencils: node indices and weights (returns count)."""
    n_agents = n_types.shape[0]
    m_max = belief.shape[1]
    ranks = np.empty((n_agents, m_max), dtype=np.int64)
    weights = np.empty((n_agents, m_max))
    counts = np.empty(n_agents, dtype=np.int64)
    for i in range(n_agents):
        counts[i] = agent_stencil(belief[i], n_types[i], resolution[i], rank_table,
                                  rank_offset[i], ranks[i], weights[i])
    total = 1
    for i in range(n_agents):
        total *= counts[i]
    for s in range(total):
        rem = s
        node = 0
        w = 1.0
        for i in range(n_agents - 1, -1, -1):
            c = rem % counts[i]
            rem //= counts[i]
            node += ranks[i, c] * node_stride[i]
            w *= weights[i, c]
        out_nodes[s] = node
        out_weights[s] = w
    return total


@njit(cache=True)
def interpolate_flat(values, belief, n_types, resolution, rank_table, rank_offset, node_stride,
                     out):
    """``out[:] = Σ_s w_s values[node_s, :]`` for a 2-D ``values`` (nodes x D)."""
    size = 1
    for i in range(n_types.shape[0]):
        size *= n_types[i]
    nodes = np.empty(size, dtype=np.int64)
    weights = np.empty(size)
    count = belief_stencil(belief, n_types, resolution, rank_table, rank_offset, node_stride,
                           nodes, weights)
    for d in range(values.shape[1]):
        out[d] = 0.0
    for s in range(count):
        w = weights[s]
        row = nodes[s]
        for d in range(values.shape[1]):
            out[d] += w * values[row, d]


@njit(cache=True)
def interpolate_many(values, beliefs, n_types, resolution, rank_table, rank_offset, node_stride):
    """Interpolate ``values`` (nodes x D) at every belief of ``beliefs`` (B x N x M_max)."""
    out = np.empty((beliefs.shape[0], values.shape[1]))
    for b in range(beliefs.shape[0]):
        interpolate_flat(values, beliefs[b], n_types, resolution, rank_table, rank_offset,
                         node_stride, out[b])
    return out
