"""Reproduction ``ch6-public-goods``: thesis ch. 6 §5, the public-goods example (Figs. 20-24).

Two agents, types x^H = 1.2 and x^L = 0.2 (static), actions 0/1 (contribute); reward (6.22).
The SPBE is solved on a 51 x 51 belief grid (π_i = P(agent i is x^H)) at δ = 0 and 0.5, the
second warm-started from the first, and at δ = 0.95 by grid continuation (11, 21, 41, then 51
points per axis, each level warm-starting the next; see the ``grid_continuation`` option of
``spbe.solve``).
The 11 x 11 solution at δ = 0.95 is reported too, under ``other_grids``, to show how the
numbers depend on the grid. ``quick=True``: δ = 0 and 0.5 on 11 x 11. Written to ``out_dir``:

* ``fig20_delta0_gamma1_L.png``, ``fig21_delta0.5_gamma1_L.png``, ``fig22_delta0.5_gamma1_H.png``,
  ``fig23_delta0.95_gamma1_L.png``, ``fig24_delta0.95_gamma1_H.png``: γ̃^1(1 | x) over (π_1, π_2),
  and ``fig20_delta0_gamma1_H.png`` (identically 0 in the thesis, not plotted there);
* ``learning_delta0.95.png``: the fraction of simulated paths whose beliefs have learned both
  true types, against time;
* ``equilibrium_delta{δ}.npz``: the solutions (``spbe.load``).

Key numbers (``ch6-public-goods.json``), per δ: convergence, iterations, Bellman residual,
epsilon (and per round), flagged nodes, wall time; (1-δ)V^1(·, x^L) and (1-δ)V^1(·, x^H) ranges
over the interior nodes (0 < π_1, π_2 < 1) and the values at the four corners; the δ = 0
analytic checks (regions A, B, C of notes §3.3); the switch point π_2*(π_1 = 0.9) of γ̃^1(1|x^L)
(notes R2); the size of the region where type H contributes (R1); exchange symmetry (R3); and at
δ = 0.95 the learning curve (R5). Thesis values for comparison: (1-δ)V^1(·, x^L) ∈ [0.865, 0.894]
and (1-δ)V^1(·, x^H) ∈ [0.30, 0.395]; full coordination 0.9 / 0.4, no coordination 0.81 / 0.16.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..reproduce import Reproduction

THESIS = dict(value_L=[0.865, 0.894], value_H=[0.30, 0.395],
              full_coordination=dict(L=0.9, H=0.4), no_coordination=dict(L=0.81, H=0.16))
DELTAS = (0.0, 0.5, 0.95)


def _node_table(eq):
    """(π_1, π_2), γ̃^1(1|H), γ̃^1(1|L), γ̃^2(1|H), γ̃^2(1|L), V^1(·,H), V^1(·,L) at every node."""
    nodes = eq.grid.nodes()
    pi = nodes[:, :, 0]                                  # P(x^H) per agent
    S = eq.strategy_nodes[0]
    V = eq.values[0]
    return dict(pi1=pi[:, 0], pi2=pi[:, 1], p1H=S[:, 0, 0, 1], p1L=S[:, 0, 1, 1], p2H=S[:, 1, 0, 1],
                p2L=S[:, 1, 1, 1], V1H=V[:, 0, 0], V1L=V[:, 0, 1], V2H=V[:, 1, 0], V2L=V[:, 1, 1])


def _ranges(eq, delta):
    t = _node_table(eq)
    scale = 1.0 - delta
    interior = (t["pi1"] > 0) & (t["pi1"] < 1) & (t["pi2"] > 0) & (t["pi2"] < 1)
    out = dict(interior_value_L=[float(scale * t["V1L"][interior].min()), float(scale * t["V1L"][interior].max())],
               interior_value_H=[float(scale * t["V1H"][interior].min()), float(scale * t["V1H"][interior].max())],
               interior_mean_value_L=float(scale * t["V1L"][interior].mean()),
               interior_mean_value_H=float(scale * t["V1H"][interior].mean()))
    corners = {}
    for a in (0.0, 1.0):
        for b in (0.0, 1.0):
            k = int(np.flatnonzero((t["pi1"] == a) & (t["pi2"] == b))[0])
            corners[f"pi=({a:g},{b:g})"] = dict(value_L=float(scale * t["V1L"][k]),
                                                 value_H=float(scale * t["V1H"][k]))
    out["corners"] = corners
    return out


def _switch_point(eq, pi1=0.9):
    """Smallest π_2 at π_1 = ``pi1`` from which γ̃^1(1|x^L) ≥ 1/2 on every node above (notes R2)."""
    t = _node_table(eq)
    col = np.isclose(t["pi1"], pi1)
    order = np.argsort(t["pi2"][col])
    p2, pL = t["pi2"][col][order], t["p1L"][col][order]
    for k in range(len(p2)):
        if np.all(pL[k:] >= 0.5):
            return float(p2[k])
    return None


def _symmetry_gap(eq):
    """max |γ̃^1(π_1, π_2) − γ̃^2(π_2, π_1)| over the nodes (notes R3)."""
    t = _node_table(eq)
    key = {(round(a, 9), round(b, 9)): k for k, (a, b) in enumerate(zip(t["pi1"], t["pi2"]))}
    gap = 0.0
    for k, (a, b) in enumerate(zip(t["pi1"], t["pi2"])):
        m = key[(round(b, 9), round(a, 9))]
        gap = max(gap, abs(t["p1H"][k] - t["p2H"][m]), abs(t["p1L"][k] - t["p2L"][m]))
    return float(gap)


def _delta0_checks(eq):
    """Notes §3.3: p^{iH} ≡ 0; regions A (π_1, π_2 > 0.2): both L contribute, V^1 = (0.8, 1 − π_2);
    B (π_1 < 0.2 < π_2): (p^{1L}, p^{2L}) = (1, 0); C (π_2 < 0.2 < π_1): (0, 1)."""
    t = _node_table(eq)
    off = ~np.isclose(t["pi1"], 0.2) & ~np.isclose(t["pi2"], 0.2)
    A = off & (t["pi1"] > 0.2) & (t["pi2"] > 0.2)
    B = off & (t["pi1"] < 0.2) & (t["pi2"] > 0.2)
    C = off & (t["pi2"] < 0.2) & (t["pi1"] > 0.2)
    eta = 1e-6                      # trembles: played probabilities are within ~η of the intended
    return dict(
        max_p_H=float(max(t["p1H"].max(), t["p2H"].max())),
        region_A_error=float(max(np.abs(t["p1L"][A] - 1).max(), np.abs(t["p2L"][A] - 1).max(),
                                 np.abs(t["V1L"][A] - 0.8).max(), np.abs(t["V1H"][A] - (1 - t["pi2"][A])).max())),
        region_B_error=float(max(np.abs(t["p1L"][B] - 1).max(), np.abs(t["p2L"][B]).max())),
        region_C_error=float(max(np.abs(t["p1L"][C]).max(), np.abs(t["p2L"][C] - 1).max())),
        tolerance_note=f"played strategies include trembles of size η; errors of order {eta:g} are exact")


def _learning(_eq, n_paths, steps, seed=0, low=0.05, high=0.95, threshold=0.01):
    """Notes R5: initial beliefs uniform on [low, high]^2, true types drawn from them; the
    fraction of paths with max_j |1 − π^j_t(x^j_true)| < threshold, for every t."""
    from ..stage.node_solver import NodeSolver
    s = _eq.settings
    # The off-grid stage solves of thousands of simulated beliefs skip the lattice-scan fallback
    # (minutes per hundred beliefs near the absorbing corners); where they find no exact
    # solution the candidate with the smallest gain is played, as the verification counts.
    import copy
    eq = copy.copy(_eq)
    object.__setattr__(eq, "_solver_cache", NodeSolver(
        eq.game, tol=s.get("stage_tol", 1e-9), eta=s.get("eta", 0.0), n_starts=s.get("n_starts", 4),
        max_unknowns=s.get("max_unknowns"), exhaustive_fallback=False))
    rng = np.random.default_rng(seed)
    pH = rng.uniform(low, high, size=(n_paths, 2))
    types = (rng.random((n_paths, 2)) >= pH).astype(np.int64)          # 0 = x^H, 1 = x^L
    beliefs = np.stack([pH, 1 - pH], axis=-1)                          # (P, 2, 2)
    sim = eq.simulate_many(types, beliefs, steps, seed=seed + 1)
    P, T1 = sim.types.shape[:2]
    true_belief = np.take_along_axis(sim.beliefs, sim.types[..., None], axis=-1)[..., 0]   # (P, T+1, N)
    learned = (np.abs(1 - true_belief).max(axis=-1) < threshold)
    frac = learned.mean(axis=0)
    # types never learned: beliefs stop moving (both types pool) before reaching the truth
    moved_last = np.abs(sim.beliefs[:, -1] - sim.beliefs[:, -2]).max(axis=(1, 2)) > 1e-9
    return dict(fraction_learned=[float(f) for f in frac], n_paths=int(n_paths), steps=int(steps),
                threshold=threshold, initial_belief_box=[low, high],
                still_moving_at_end=float(moved_last.mean()),
                fraction_one_agent_learned_at_end=float((np.abs(1 - true_belief[:, -1]) < threshold).any(axis=-1).mean()))


def _plot_map(eq, type_, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .. import plot
    fig = plot.strategy_map(eq, agent=0, type_=type_, action=1)
    fig.axes[0].set_title(title)
    fig.savefig(path, dpi=120)
    plt.close(fig)


#: (δ, grid points per axis) of the full run. δ = 0.95 reaches 51 x 51 by grid continuation
#: (from δ-continuation alone it converges on 11 x 11 only); the 11 x 11 solution is reported
#: under "other_grids".
FULL = ((0.0, 51), (0.5, 51), (0.95, 51))
OTHER_GRIDS = ((0.95, 11),)
QUICK = ((0.0, 11), (0.5, 11))


def _solve(delta, grid, previous):
    import spbe
    game = spbe.examples.public_goods(delta=delta)
    if delta > 0.8:
        return spbe.solve(game, grid=grid)          # grid continuation (the default above δ = 0.8)
    if previous is not None and previous.grid.resolution == (grid - 1, grid - 1) and previous.delta < delta:
        # δ-continuation from the previous reported δ (notes §2.6 (a))
        return spbe.solve(game, grid=grid, warm_start=previous,
                          options=dict(schedule=tuple(d for d in (0.8, 0.9) if previous.delta < d < delta)))
    return spbe.solve(game, grid=grid)


def _entry(eq, delta, elapsed):
    t = _node_table(eq)
    entry = dict(grid=int(eq.grid.resolution[0] + 1), converged=bool(eq.converged), message=eq.message,
                 grid_continuation=eq.settings.get("levels"),
                 iterations=int(eq.iterations), residual=float(eq.residual),
                 residual_per_round=float((1 - delta) * eq.residual),
                 stage_residual=float(eq.stage_residual), flagged=int(eq.n_flagged), success=bool(eq.success),
                 epsilon=eq.epsilon, epsilon_per_round=eq.epsilon_per_round,
                 gain_per_round=eq.verification.get("gain_per_round"),
                 value_error_per_round=eq.verification.get("value_error_per_round"),
                 grid_epsilon_per_round=eq.verification.get("grid_epsilon_per_round"), wall_time_s=elapsed,
                 switch_point_pi2_at_pi1_0_9=_switch_point(eq),
                 nodes_type_H_contributes=int(np.count_nonzero(t["p1H"] > 0.5)),
                 type_H_contributes_at=[[float(a), float(b)] for a, b in
                                        zip(t["pi1"][t["p1H"] > 0.5], t["pi2"][t["p1H"] > 0.5])][:50],
                 symmetry_gap=_symmetry_gap(eq))
    entry.update(_ranges(eq, delta))
    if delta == 0.0:
        entry["analytic_checks"] = _delta0_checks(eq)
    return entry


def run(out_dir, quick=False):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = Path(out_dir)
    configs = QUICK if quick else FULL
    n_paths, steps = (200, 10) if quick else (2000, 20)
    numbers = dict(thesis=THESIS, deltas={}, other_grids={})
    previous = None
    for delta, grid in configs:
        t0 = time.perf_counter()
        eq = _solve(delta, grid, previous)
        elapsed = time.perf_counter() - t0
        eq.save(out / f"equilibrium_delta{delta:g}.npz")
        numbers["deltas"][f"{delta:g}"] = _entry(eq, delta, elapsed)
        if delta == 0.0:
            _plot_map(eq, 1, "Fig. 20: γ̃¹(1 | x^L), δ = 0", out / "fig20_delta0_gamma1_L.png")
            _plot_map(eq, 0, "γ̃¹(1 | x^H), δ = 0 (≡ 0)", out / "fig20_delta0_gamma1_H.png")
        elif delta == 0.5:
            _plot_map(eq, 1, "Fig. 21: γ̃¹(1 | x^L), δ = 0.5", out / "fig21_delta0.5_gamma1_L.png")
            _plot_map(eq, 0, "Fig. 22: γ̃¹(1 | x^H), δ = 0.5", out / "fig22_delta0.5_gamma1_H.png")
        else:
            _plot_map(eq, 1, f"Fig. 23: γ̃¹(1 | x^L), δ = {delta:g}", out / f"fig23_delta{delta:g}_gamma1_L.png")
            _plot_map(eq, 0, f"Fig. 24: γ̃¹(1 | x^H), δ = {delta:g}", out / f"fig24_delta{delta:g}_gamma1_H.png")
        previous = eq
    last_delta = configs[-1][0]
    learning = _learning(previous, n_paths, steps)
    learning["delta"] = last_delta
    numbers["learning"] = learning
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(np.arange(len(learning["fraction_learned"])), learning["fraction_learned"], marker="o")
    ax.set_xlabel("round t")
    ax.set_ylabel("fraction of paths: both types learned")
    ax.set_ylim(0, 1)
    ax.set_title(f"δ = {last_delta:g}: belief learning ({n_paths} paths)")
    fig.tight_layout()
    fig.savefig(out / f"learning_delta{last_delta:g}.png", dpi=120)
    plt.close(fig)
    for delta, grid in (() if quick else OTHER_GRIDS):
        t0 = time.perf_counter()
        eq = _solve(delta, grid, None)
        numbers["other_grids"][f"{delta:g}@{grid}"] = _entry(eq, delta, time.perf_counter() - t0)
    if quick:
        numbers["quick"] = True
    return numbers


REPRODUCTION = Reproduction(
    name="ch6-public-goods",
    description="public-goods SPBE at δ = 0, 0.5, 0.95: strategy maps (Figs. 20-24), (1-δ)V ranges, learning",
    source="Sinha thesis ch. 6 §5, Figs. 20-24",
    run=run, slow=True)
