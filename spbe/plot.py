"""Figures of computed equilibria (matplotlib; every function returns the figure).

``strategy_map``  γ̃^i(a|x) over the belief square (two agents with two types each), as in
                  thesis Figs. 20-24 (γ̃^1(a^1 = 1 | x) against (π_1, π_2))
``value_map``     (1 - δ) V^i(π, x) over the same square
``case_map``      the kind of play of the selected equilibrium at every node: pooling (both
                  types of an agent play alike), separating (they play different pure actions),
                  or mixed, per agent
``convergence``   residual and case changes per sweep
"""
from __future__ import annotations

import numpy as np

__all__ = ["strategy_map", "value_map", "case_map", "convergence", "KINDS"]

#: kinds of play of one agent at a node (case_map)
KINDS = ("pooling", "separating", "mixed")


def _square(eq, what: str):
    g = eq.game
    if g.n_agents != 2 or g.n_types != (2, 2):
        raise ValueError(f"{what}: needs two agents with two types each (a 2-D belief square)")
    n1, n2 = eq.grid.shape
    return n1, n2


def _figure(ax):
    import matplotlib
    if ax is None:
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5.2, 4.2))
        return fig, ax
    return ax.figure, ax


def _heat(ax, fig, data, title, label, game, vmin=None, vmax=None, cmap="viridis"):
    n1, n2 = data.shape
    h1, h2 = 0.5 / (n1 - 1), 0.5 / (n2 - 1)     # cells centred on the nodes
    im = ax.imshow(data.T, origin="lower", extent=(-h1, 1 + h1, -h2, 1 + h2), vmin=vmin, vmax=vmax,
                   cmap=cmap, interpolation="nearest", aspect="equal")
    ax.set_xlabel(rf"$\pi_1 = P(x^1 = {game.types[0][0]})$")
    ax.set_ylabel(rf"$\pi_2 = P(x^2 = {game.types[1][0]})$")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label=label)
    fig.tight_layout()
    return fig


def strategy_map(eq, agent: int = 0, type_: int = 1, action: int = 1, t=None, ax=None):
    """Heat map of γ̃^agent(action | type) over (π_1, π_2); flagged nodes are marked with x."""
    n1, n2 = _square(eq, "strategy_map")
    k = 0 if t is None else t - 1
    g = eq.game
    data = eq.strategy_nodes[k, :, agent, type_, action].reshape(n1, n2)
    fig, ax = _figure(ax)
    tname, aname = g.types[agent][type_], g.actions[agent][action]
    title = (rf"$\tilde\gamma^{agent + 1}(a={aname} \mid x={tname})$, $\delta={eq.delta:g}$"
             + ("" if t is None else f", t={t}"))
    _heat(ax, fig, data, title, "probability", g, 0.0, 1.0)
    flagged = np.flatnonzero(eq.flagged[k])
    if flagged.size:
        r1, r2 = np.unravel_index(flagged, (n1, n2))
        ax.plot(r1 / (n1 - 1), r2 / (n2 - 1), "rx", ms=4, label="no exact solution")
        ax.legend(loc="upper right", fontsize=7)
    return fig


def value_map(eq, agent: int = 0, type_: int = 1, per_round: bool = True, t=None, ax=None):
    """Heat map of V^agent(π, type) over (π_1, π_2), times (1 - δ) when ``per_round``."""
    n1, n2 = _square(eq, "value_map")
    k = 0 if t is None else t - 1
    scale = (1 - eq.delta) if per_round else 1.0
    data = eq.values[k, :, agent, type_].reshape(n1, n2) * scale
    fig, ax = _figure(ax)
    prefix = r"$(1-\delta)$" if per_round else ""
    title = prefix + rf"$V^{agent + 1}(\pi, {eq.game.types[agent][type_]})$, $\delta={eq.delta:g}$"
    return _heat(ax, fig, data, title, "value per round" if per_round else "value", eq.game)


def convergence(eq, ax=None):
    """Residual per round (log scale) and case changes against the sweep."""
    fig, ax = _figure(ax)
    sweeps = [h.get("sweep", i + 1) for i, h in enumerate(eq.history)]
    res = [max(h.get("residual", np.nan) or np.nan, 1e-16) for h in eq.history]
    ax.semilogy(sweeps, res, ".-", ms=3, label="Bellman residual per round")
    ax.set_xlabel("sweep")
    ax.set_ylabel("residual")
    ax2 = ax.twinx()
    ax2.plot(sweeps, [h.get("case_changes") or 0 for h in eq.history], "r.", ms=2, label="case changes")
    ax2.set_ylabel("nodes that changed case", color="r")
    ax.set_title(f"{eq.game.name}, δ = {eq.delta:g}")
    fig.tight_layout()
    return fig


def play_kind(strategy, tol: float = 1e-6) -> int:
    """0 pooling (all types play the same mixed action), 1 separating (distinct pure actions for
    some types), 2 otherwise (mixed): for one agent's prescription, an array types x actions."""
    strategy = np.asarray(strategy, dtype=float)
    if np.all(np.abs(strategy - strategy[0]) <= tol):
        return 0
    pure = np.all((strategy <= tol) | (strategy >= 1 - tol), axis=1)
    return 1 if np.all(pure) else 2


def case_map(eq, agent: int = 0, t=None, ax=None, tol: float = 1e-6):
    """Pooling / separating / mixed play of ``agent`` over (π_1, π_2) (see :func:`play_kind`).

    With trembles the played probabilities are within about 2η of the intended ones, so the
    default tolerance is 1e-6."""
    import matplotlib.colors as mcolors
    n1, n2 = _square(eq, "case_map")
    k = 0 if t is None else t - 1
    g = eq.game
    m, kk = g.n_types[agent], g.n_actions[agent]
    kinds = np.array([play_kind(eq.strategy_nodes[k, b, agent, :m, :kk], tol)
                      for b in range(eq.grid.n_nodes)]).reshape(n1, n2)
    fig, ax = _figure(ax)
    cmap = mcolors.ListedColormap(["#4c72b0", "#dd8452", "#55a868"])
    n1_, n2_ = kinds.shape
    h1, h2 = 0.5 / (n1_ - 1), 0.5 / (n2_ - 1)
    im = ax.imshow(kinds.T, origin="lower", extent=(-h1, 1 + h1, -h2, 1 + h2), vmin=-0.5, vmax=2.5,
                   cmap=cmap, interpolation="nearest", aspect="equal")
    ax.set_xlabel(rf"$\pi_1 = P(x^1 = {g.types[0][0]})$")
    ax.set_ylabel(rf"$\pi_2 = P(x^2 = {g.types[1][0]})$")
    ax.set_title(f"agent {agent + 1}: kind of play, δ = {eq.delta:g}" + ("" if t is None else f", t={t}"))
    bar = fig.colorbar(im, ax=ax, ticks=[0, 1, 2])
    bar.ax.set_yticklabels(KINDS)
    fig.tight_layout()
    return fig
