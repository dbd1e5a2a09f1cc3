"""Figures of computed equilibria (matplotlib; every function returns the figure)::

    ``strategy_map``  γ̃^i(a|x) over the belief square (two agents with two types each), as in
                      thesis Figs. 20-24 (γ̃^1(a^1 = 1 | x) against (π_1, π_2)); over a 2-D slice
                      of the belief space for any other game (see below)
    ``value_map``     (1 - δ) V^i(π, x) over the same square or slice
    ``case_map``      the kind of play of the selected equilibrium at every point: pooling,
                      separating, partially pooling or mixed, per agent (see :func:`play_kind`)
    ``trajectories``  belief paths of Equilibrium.simulate / simulate_many: drawn over
                      the belief square (2 x 2 games) or as time series per agent (any game)
    ``convergence``   residual and case changes per sweep
    ``save``          write a figure as PNG and PDF (or any matplotlib format) at once

Slices
------
The belief space is the product of simplices ×_i Δ(𝒳^i); with two agents with two types each
it is the square (π_1, π_2) and the maps show the grid data directly. For any other game the
maps show a **2-D slice** (:func:`belief_slice`): two free coordinates ``axes=((i, x), (j, y))``
— the probabilities π^i(x) and π^j(y), each running over [0, 1] — and everything else fixed by
``fixed``, a belief (one entry per agent, ``None`` for the game's prior; scalars for binary
types). An agent with a free coordinate keeps the rest of its probability split over its other
types in proportion to its ``fixed`` entry (uniform where that is zero), so for three types
``axes=((0, 0), (1, 0)), fixed=[[.2, .2, .6], None]`` draws π^1 = (p, (1-p)/4, 3(1-p)/4).

Both coordinates may belong to the same agent (``i == j``, that agent having three or more
types): the slice is then the triangle π^i(x) + π^i(y) ≤ 1, drawn as a right-angled
(Cartesian) ternary plot with the points outside left blank — for a single agent with three
types it is its whole simplex, and the default.

Default slice: the first type of the first two agents with at least two types, the others at
the prior; default points: the grid lattice along each free coordinate (``n_i + 1`` values
k/n_i), so that the slice goes through grid nodes wherever the fixed part allows. There the
node data are shown; elsewhere the strategy is the stage fixed point re-solved at that belief
(``eq.strategy(pi)``, notes §2.7) and the value ``eq.value(pi)`` of playing it. ``points=``
gives a finer (or coarser) uniform sampling of both coordinates; every point off the grid is a
stage solve (from milliseconds to a few tenths of a second each, depending on the game), so a
fine slice of a large game takes a while.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

__all__ = ["strategy_map", "value_map", "case_map", "convergence", "trajectories", "belief_slice",
           "BeliefSlice", "play_kind", "save", "KINDS", "OFF_PATH"]

#: kinds of play of one agent at a node (case_map; see play_kind). The fourth occurs only for
#: agents with three or more types.
KINDS = ("pooling", "separating", "mixed", "partially pooling")

#: Probabilities up to this count as off the path in :func:`play_kind` and :func:`case_map`: the
#: tremble's boundary layer (a type plays the action with probability between η = 1e-7 and about
#: 1e-4 so that the belief after it, a ratio of two such numbers, is the off-path belief).
OFF_PATH = 1e-4
_KIND_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")


def _is_square(eq) -> bool:
    g = eq.game
    return g.n_agents == 2 and tuple(g.n_types) == (2, 2)


def _square(eq, what: str):
    if not _is_square(eq):
        raise ValueError(f"{what}: needs two agents with two types each (a 2-D belief square)")
    n1, n2 = eq.grid.shape
    return n1, n2


def _figure(ax, figsize=(5.2, 4.2)):
    import matplotlib
    if ax is None:
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _tex(name) -> str:
    """A type/action name safe inside matplotlib mathtext."""
    out = str(name)
    for ch in "\\{}_^$%&#~":
        out = out.replace(ch, "\\" + ch if ch not in "\\~^" else " ")
    return out


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


# ---------------------------------------------------------------------- slices
@dataclass(frozen=True, eq=False)
class BeliefSlice:
    """A 2-D slice of the belief space of ``eq`` (see the module notes and :func:`belief_slice`).

    Attributes
    ----------
    axes : ((i, x), (j, y))
        The free coordinates π^i(x) (horizontal) and π^j(y) (vertical).
    x, y : 1-D arrays
        Their values (uniformly spaced in [0, 1]).
    beliefs : array (len(x), len(y), N, M_max)
        The padded belief at every point (the base belief at points outside the simplex).
    inside : bool array (len(x), len(y))
        False where π^i(x) + π^i(y) > 1 (only when both coordinates belong to one agent).
    nodes : int array (len(x), len(y))
        The grid node at each point, -1 off the grid or outside.
    base : array (N, M_max)
        The fixed belief (the ``fixed`` argument completed with the prior).
    """

    eq: object
    axes: tuple
    x: np.ndarray
    y: np.ndarray
    beliefs: np.ndarray
    inside: np.ndarray
    nodes: np.ndarray
    base: np.ndarray

    @property
    def shape(self) -> tuple:
        return self.inside.shape

    def strategies(self, t: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
        """Played prescriptions at the slice points, (len(x), len(y), N, M_max, K_max), NaN outside;
        and a bool array of the points without an exact stage solution. Grid nodes are read
        from ``eq.strategy_nodes``; other points re-solved as :meth:`spbe.Equilibrium.strategy` does."""
        eq = self.eq
        k = eq._period(t)
        out = np.full(self.shape + eq.strategy_nodes.shape[2:], np.nan)
        flags = np.zeros(self.shape, dtype=bool)
        idx = np.flatnonzero(self.inside.ravel())
        if idx.size:
            flat = self.beliefs.reshape((-1,) + self.beliefs.shape[2:])[idx]
            gamma, fl = eq._strategies_padded(flat, k)
            out.reshape((-1,) + out.shape[2:])[idx] = gamma
            flags.reshape(-1)[idx] = fl
        return out, flags

    def values(self, t: Optional[int] = None) -> np.ndarray:
        """V at the slice points, (len(x), len(y), N, M_max), NaN outside (``eq.value(pi)``: the
        node values, and off the grid the value of the played prescription)."""
        eq = self.eq
        k = eq._period(t)
        out = np.full(self.shape + eq.values.shape[2:], np.nan)
        idx = np.flatnonzero(self.inside.ravel())
        if idx.size:
            flat = self.beliefs.reshape((-1,) + self.beliefs.shape[2:])[idx]
            out.reshape((-1,) + out.shape[2:])[idx] = eq._values_padded(flat, k)
        return out

    def axis_label(self, which: int) -> str:
        i, x = self.axes[which]
        name = _tex(self.eq.game.types[i][x])
        return rf"$\pi^{{{i + 1}}}(\mathrm{{{name}}}) = P(x^{{{i + 1}}} = \mathrm{{{name}}})$"

    def describe(self) -> str:
        """One line naming what is held fixed."""
        g = self.eq.game
        free = {i for i, _ in self.axes}
        parts = []
        for i, m in enumerate(g.n_types):
            if m == 1:
                continue
            b = np.round(self.base[i, :m], 3)
            names = self.eq.game.types[i]
            if i not in free:
                parts.append(f"π{i + 1}({names[0]})={b[0]:g}" if m == 2 else
                             f"π{i + 1}=(" + ", ".join(f"{v:g}" for v in b) + ")")
            else:
                taken = [x for a, x in self.axes if a == i]
                rest = [x for x in range(m) if x not in taken]
                if len(rest) > 1:
                    w = self.base[i, rest]
                    w = w / w.sum() if w.sum() > 0 else np.full(len(rest), 1.0 / len(rest))
                    parts.append(f"rest of π{i + 1} split " + ":".join(f"{v:.3g}" for v in w) + " over "
                                 + ",".join(str(names[x]) for x in rest))
        return ("held fixed: " if parts else "") + "; ".join(parts)


def _default_axes(game) -> tuple:
    multi = [i for i, m in enumerate(game.n_types) if m >= 2]
    if len(multi) >= 2:
        return ((multi[0], 0), (multi[1], 0))
    if multi and game.n_types[multi[0]] >= 3:
        return ((multi[0], 0), (multi[0], 1))
    raise ValueError("belief_slice: the belief space has fewer than two dimensions; nothing to map")


def _coordinate_values(points, n_nodes: int) -> np.ndarray:
    if points is None:
        return np.arange(n_nodes + 1) / n_nodes
    points = int(points)
    if points < 2:
        raise ValueError(f"points: need at least 2 per axis, got {points}")
    return np.linspace(0.0, 1.0, points)


def belief_slice(eq, axes=None, fixed=None, points=None) -> BeliefSlice:
    """The 2-D slice of the belief space of ``eq`` with free coordinates ``axes`` (module notes).

    Parameters
    ----------
    eq : Equilibrium
    axes : ((i, x), (j, y)), optional
        Agent and type index of the horizontal and vertical coordinate π^i(x), π^j(y).
        Default: the first type of the first two agents with at least two types (for a single
        agent with three or more types: its first two types, i.e. its simplex as a triangle).
    fixed : sequence, optional
        One entry per agent: a probability vector (a scalar for two types) or ``None`` for the
        game's prior. Agents without a free coordinate hold it; an agent with one splits its
        remaining probability over its other types in proportion to it (uniformly where it puts
        no mass on them).
    points : int or (int, int), optional
        Uniform sampling of each coordinate. Default: the grid lattice k/n_i of that agent.
    """
    game, grid = eq.game, eq.grid
    N, Mx = game.n_agents, max(game.n_types)
    axes = _default_axes(game) if axes is None else tuple(tuple(int(v) for v in a) for a in axes)
    if len(axes) != 2 or any(len(a) != 2 for a in axes):
        raise ValueError(f"axes: expected two (agent, type) pairs, got {axes!r}")
    for i, x in axes:
        if not 0 <= i < N:
            raise ValueError(f"axes: agent {i} is outside 0..{N - 1}")
        if game.n_types[i] < 2:
            raise ValueError(f"axes: agent {i} has a single type (its belief is fixed)")
        if not 0 <= x < game.n_types[i]:
            raise ValueError(f"axes: agent {i} has no type {x} (types 0..{game.n_types[i] - 1})")
    (i1, x1), (i2, x2) = axes
    if axes[0] == axes[1]:
        raise ValueError(f"axes: the two coordinates must differ, got {axes!r}")
    if i1 == i2 and game.n_types[i1] < 3:
        raise ValueError(f"axes: agent {i1} has two types, so π^i(x) and π^i(y) are not independent")
    # the base belief
    if fixed is None:
        fixed = [None] * N
    fixed = list(fixed)
    if len(fixed) != N:
        raise ValueError(f"fixed: expected one entry per agent ({N}), got {len(fixed)}")
    fixed = [game.prior[i] if f is None else f for i, f in enumerate(fixed)]
    base = game.padded_belief(fixed)
    # the coordinate values
    pts = (points, points) if points is None or np.ndim(points) == 0 else tuple(points)
    if len(pts) != 2:
        raise ValueError(f"points: give one count or two, got {points!r}")
    xs = _coordinate_values(pts[0], grid.resolution[i1])
    ys = _coordinate_values(pts[1], grid.resolution[i2])
    n1, n2 = len(xs), len(ys)
    beliefs = np.broadcast_to(base, (n1, n2, N, Mx)).copy()
    inside = np.ones((n1, n2), dtype=bool)
    free = {}
    for (i, x), vals, ax_ in ((axes[0], xs, 0), (axes[1], ys, 1)):
        free.setdefault(i, []).append((x, vals, ax_))
    for i, coords in free.items():
        m = game.n_types[i]
        P = np.zeros((n1, n2, m))
        for x, vals, ax_ in coords:
            P[..., x] = vals[:, None] if ax_ == 0 else vals[None, :]
        taken = [x for x, _, _ in coords]
        rest = [x for x in range(m) if x not in taken]
        left = 1.0 - P[..., taken].sum(axis=-1)
        if len(coords) == 2:
            inside &= left >= -1e-12
        left = np.clip(left, 0.0, None)
        w = base[i, rest]
        w = w / w.sum() if w.sum() > 0 else np.full(len(rest), 1.0 / len(rest))
        P[..., rest] = left[..., None] * w
        beliefs[..., i, :m] = np.where(inside[..., None], P, base[i, :m])
    nodes = np.full((n1, n2), -1, dtype=np.int64)
    for r in range(n1):
        for c in range(n2):
            if inside[r, c]:
                node = grid.locate([beliefs[r, c, i, :m] for i, m in enumerate(game.n_types)])
                nodes[r, c] = -1 if node is None else node
    return BeliefSlice(eq=eq, axes=axes, x=xs, y=ys, beliefs=beliefs, inside=inside, nodes=nodes,
                       base=base)


def _wants_slice(eq, axes, fixed, points) -> bool:
    return not (_is_square(eq) and axes is None and fixed is None and points is None)


def _heat_slice(ax, fig, sl: BeliefSlice, data, title, label, vmin=None, vmax=None, cmap="viridis",
                colorbar=True):
    xs, ys = sl.x, sl.y
    h1 = 0.5 * (xs[1] - xs[0]) if len(xs) > 1 else 0.5
    h2 = 0.5 * (ys[1] - ys[0]) if len(ys) > 1 else 0.5
    masked = np.ma.masked_invalid(np.asarray(data, dtype=float))
    im = ax.imshow(masked.T, origin="lower", extent=(-h1, 1 + h1, -h2, 1 + h2), vmin=vmin, vmax=vmax,
                   cmap=cmap, interpolation="nearest", aspect="equal")
    if sl.axes[0][0] == sl.axes[1][0]:
        ax.plot([0, 1], [1, 0], color="0.3", lw=0.8)          # edge of the simplex
    ax.set_xlabel(sl.axis_label(0))
    ax.set_ylabel(sl.axis_label(1))
    note = sl.describe()
    if note:
        ax.set_title(f"{title}\n{note}", fontsize=10)
    else:
        ax.set_title(title)
    bar = fig.colorbar(im, ax=ax, label=label) if colorbar else None
    fig.tight_layout()
    return im, bar


def _mark_flagged(ax, sl: BeliefSlice, flags):
    if np.any(flags):
        r1, r2 = np.nonzero(flags)
        ax.plot(sl.x[r1], sl.y[r2], "rx", ms=4, label="no exact solution")
        ax.legend(loc="upper right", fontsize=7)


def _check_index(game, agent, type_=None, action=None):
    if not 0 <= agent < game.n_agents:
        raise ValueError(f"agent: must lie in 0..{game.n_agents - 1}, got {agent}")
    if type_ is not None and not 0 <= type_ < game.n_types[agent]:
        raise ValueError(f"type_: agent {agent} has types 0..{game.n_types[agent] - 1}, got {type_}")
    if action is not None and not 0 <= action < game.n_actions[agent]:
        raise ValueError(f"action: agent {agent} has actions 0..{game.n_actions[agent] - 1}, got {action}")


# ---------------------------------------------------------------------- maps
def strategy_map(eq, agent: int = 0, type_: int = 1, action: int = 1, t=None, ax=None, *,
                 axes=None, fixed=None, points=None):
    """Heat map of γ̃^agent(action | type) over (π_1, π_2); flagged nodes are marked with x.

    For games other than two agents with two types each (or when ``axes``, ``fixed`` or
    ``points`` is given) the map is drawn over a 2-D slice of the belief space: see
    :func:`belief_slice` and the module notes."""
    g = eq.game
    _check_index(g, agent, type_, action)
    tname, aname = _tex(g.types[agent][type_]), _tex(g.actions[agent][action])
    title = (rf"$\tilde\gamma^{agent + 1}(a={aname} \mid x={tname})$, $\delta={eq.delta:g}$"
             + ("" if t is None else f", t={t}"))
    if _wants_slice(eq, axes, fixed, points):
        sl = belief_slice(eq, axes, fixed, points)
        gamma, flags = sl.strategies(t)
        fig, ax = _figure(ax)
        _heat_slice(ax, fig, sl, gamma[..., agent, type_, action], title, "probability", 0.0, 1.0)
        _mark_flagged(ax, sl, flags)
        return fig
    n1, n2 = _square(eq, "strategy_map")
    k = 0 if t is None else t - 1
    data = eq.strategy_nodes[k, :, agent, type_, action].reshape(n1, n2)
    fig, ax = _figure(ax)
    _heat(ax, fig, data, title, "probability", g, 0.0, 1.0)
    flagged = np.flatnonzero(eq.flagged[k])
    if flagged.size:
        r1, r2 = np.unravel_index(flagged, (n1, n2))
        ax.plot(r1 / (n1 - 1), r2 / (n2 - 1), "rx", ms=4, label="no exact solution")
        ax.legend(loc="upper right", fontsize=7)
    return fig


def value_map(eq, agent: int = 0, type_: int = 1, per_round: bool = True, t=None, ax=None, *,
              axes=None, fixed=None, points=None):
    """Heat map of V^agent(π, type) over (π_1, π_2), times (1 - δ) when ``per_round``.

    Other games (or ``axes``/``fixed``/``points`` given): over a 2-D slice (:func:`belief_slice`),
    ``eq.value(pi)`` (node values; off the grid the value of the played prescription)."""
    g = eq.game
    _check_index(g, agent, type_)
    scale = (1 - eq.delta) if per_round else 1.0
    prefix = r"$(1-\delta)$" if per_round else ""
    title = prefix + rf"$V^{agent + 1}(\pi, {_tex(g.types[agent][type_])})$, $\delta={eq.delta:g}$"
    label = "value per round" if per_round else "value"
    if _wants_slice(eq, axes, fixed, points):
        sl = belief_slice(eq, axes, fixed, points)
        data = sl.values(t)[..., agent, type_] * scale
        fig, ax = _figure(ax)
        _heat_slice(ax, fig, sl, data, title + ("" if t is None else f", t={t}"), label)
        return fig
    n1, n2 = _square(eq, "value_map")
    k = 0 if t is None else t - 1
    data = eq.values[k, :, agent, type_].reshape(n1, n2) * scale
    fig, ax = _figure(ax)
    return _heat(ax, fig, data, title, label, g)


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


def play_kind(strategy, tol: float = OFF_PATH) -> int:
    """The kind of play of one agent's prescription, an array types x actions (index into KINDS).

    * 0 pooling: all types play the same (possibly mixed) action distribution;
    * 1 separating: every type plays a pure action and no two types the same one;
    * 3 partially pooling: every type plays a pure action, some (not all) types the same one —
      possible only with three or more types;
    * 2 mixed: otherwise (some type randomises and not all types play alike).

    Entries within ``tol`` of 0 or 1 count as pure. The default, :data:`OFF_PATH` = 1e-4, puts
    the tremble's boundary layer on the side of pure play: with trembles a type may play an
    action with a probability between η and about 1e-4 whose only role is to set, by the ratio
    of two such probabilities, the belief after that action. Such an action is off the
    equilibrium path, and the ratio is the off-path belief the equilibrium assumes (trembles:
    notes §2.4 item 4); a prescription that plays every other action alike for all types is
    pooling. With two types the three kinds 0-2 are all there is: two pure rows that are not
    equal are distinct."""
    strategy = np.asarray(strategy, dtype=float)
    if np.all(np.abs(strategy - strategy[0]) <= tol):
        return 0
    pure = np.all((strategy <= tol) | (strategy >= 1 - tol), axis=1)
    if not np.all(pure):
        return 2
    chosen = np.argmax(strategy, axis=1)
    return 1 if len(set(chosen.tolist())) == len(chosen) else 3


def _kind_image(ax, fig, kinds, n_kinds, sl=None, extent=None, xlabel=None, ylabel=None, title=""):
    import matplotlib.colors as mcolors
    cmap = mcolors.ListedColormap(list(_KIND_COLORS[:n_kinds]))
    data = np.ma.masked_invalid(np.asarray(kinds, dtype=float))
    if sl is not None:
        im, _ = _heat_slice(ax, fig, sl, data, title, None, -0.5, n_kinds - 0.5, cmap, colorbar=False)
    else:
        im = ax.imshow(data.T, origin="lower", extent=extent, vmin=-0.5, vmax=n_kinds - 0.5,
                       cmap=cmap, interpolation="nearest", aspect="equal")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    bar = fig.colorbar(im, ax=ax, ticks=list(range(n_kinds)))
    bar.ax.set_yticklabels(KINDS[:n_kinds])
    fig.tight_layout()
    return fig


def case_map(eq, agent: int = 0, t=None, ax=None, tol: float = OFF_PATH, *, axes=None, fixed=None,
             points=None):
    """Pooling / separating / mixed (/ partially pooling) play of ``agent`` over (π_1, π_2),
    by :func:`play_kind` of its played prescription at every point.

    Other games (or ``axes``/``fixed``/``points`` given): over a 2-D slice (:func:`belief_slice`);
    the kind "partially pooling" is shown for agents with three or more types only.
    Probabilities up to ``tol`` (default :data:`OFF_PATH`) count as off the path: play that
    pools on the path and differs only in the tremble's boundary layer is shown as pooling, and
    the belief after the off-path action is the one the equilibrium assumes there."""
    g = eq.game
    _check_index(g, agent)
    m, kk = g.n_types[agent], g.n_actions[agent]
    n_kinds = 3 if m <= 2 else 4
    title = f"agent {agent + 1}: kind of play, δ = {eq.delta:g}" + ("" if t is None else f", t={t}")
    if _wants_slice(eq, axes, fixed, points):
        sl = belief_slice(eq, axes, fixed, points)
        gamma, _ = sl.strategies(t)
        kinds = np.full(sl.shape, np.nan)
        for r, c in zip(*np.nonzero(sl.inside)):
            kinds[r, c] = play_kind(gamma[r, c, agent, :m, :kk], tol)
        fig, ax = _figure(ax, figsize=(5.2, 4.2) if n_kinds == 3 else (6.2, 4.4))
        return _kind_image(ax, fig, kinds, n_kinds, sl=sl, title=title)
    n1, n2 = _square(eq, "case_map")
    k = 0 if t is None else t - 1
    kinds = np.array([play_kind(eq.strategy_nodes[k, b, agent, :m, :kk], tol)
                      for b in range(eq.grid.n_nodes)]).reshape(n1, n2)
    fig, ax = _figure(ax)
    h1, h2 = 0.5 / (n1 - 1), 0.5 / (n2 - 1)
    return _kind_image(ax, fig, kinds, n_kinds, extent=(-h1, 1 + h1, -h2, 1 + h2),
                       xlabel=rf"$\pi_1 = P(x^1 = {g.types[0][0]})$",
                       ylabel=rf"$\pi_2 = P(x^2 = {g.types[1][0]})$", title=title)


# ---------------------------------------------------------------------- simulations
def _paths(sims) -> tuple[list, list]:
    """Belief paths (T+1, N, M_max) and type paths (T+1, N) from Simulations (single or batched)."""
    if hasattr(sims, "beliefs"):
        sims = [sims]
    beliefs, types = [], []
    for s in sims:
        b, x = np.asarray(s.beliefs), np.asarray(s.types)
        if b.ndim == 3:
            beliefs.append(b)
            types.append(x)
        elif b.ndim == 4:
            beliefs.extend(b)
            types.extend(x)
        else:
            raise ValueError(f"sims: beliefs of shape {b.shape} are not a Simulation's")
    if not beliefs:
        raise ValueError("sims: no paths")
    return beliefs, types


def trajectories(sims, game=None, *, kind: str = "auto", agents: Optional[Sequence[int]] = None,
                 true_type: bool = False, ax=None, max_paths: int = 200):
    """Belief paths of :meth:`spbe.Equilibrium.simulate` or :meth:`spbe.Equilibrium.simulate_many`.

    Parameters
    ----------
    sims : Simulation or sequence of Simulation
        Single paths or batched ones (a leading path axis), mixed freely.
    game : DynamicGame or Equilibrium, optional
        For type names and the type counts (without it every agent is taken to have
        ``M_max`` types).
    kind : ``"auto"``, ``"square"`` or ``"time"``
        ``"square"``: the paths (π_1, π_2) over the belief square, start o, end ■ (two agents
        with two types each; the default there). ``"time"``: one panel per agent with π^i_t(x)
        against t — for two types only the first type's probability — one colour per type.
    agents : sequence of int, optional
        Agents shown in the ``"time"`` view (default all).
    true_type : bool
        ``"time"`` view: plot π^i_t(x^i_t), the public belief in the agent's true type (one
        line per path) instead of all types.
    ax : matplotlib Axes, optional
        Draw into it (the square, or a single agent's time series).
    max_paths : int
        Draw at most this many paths (the first ones).
    """
    beliefs, types = _paths(sims)
    beliefs, types = beliefs[:max_paths], types[:max_paths]
    if game is not None and hasattr(game, "game"):          # an Equilibrium
        game = game.game
    N, Mx = beliefs[0].shape[1:]
    n_types = tuple(game.n_types) if game is not None else (Mx,) * N
    names = ([list(t) for t in game.types] if game is not None
             else [[str(x) for x in range(m)] for m in n_types])
    if kind == "auto":
        kind = "square" if N == 2 and n_types == (2, 2) else "time"
    if kind not in ("square", "time"):
        raise ValueError(f"kind: must be 'auto', 'square' or 'time', got {kind!r}")
    alpha = float(np.clip(4.0 / len(beliefs), 0.15, 1.0))
    if kind == "square":
        if N != 2 or n_types != (2, 2):
            raise ValueError("trajectories: the square needs two agents with two types each")
        fig, ax = _figure(ax, figsize=(4.8, 4.4))
        for b in beliefs:
            ax.plot(b[:, 0, 0], b[:, 1, 0], "-", color="C0", lw=1.0, alpha=alpha)
            ax.plot(b[-1, 0, 0], b[-1, 1, 0], "s", color="C3", ms=4, alpha=min(1.0, 2 * alpha))
        starts = np.array([b[0, :, 0] for b in beliefs])
        ax.plot(starts[:, 0], starts[:, 1], "o", color="k", ms=5, mfc="none", label="start")
        ax.plot([], [], "s", color="C3", ms=4, label="end")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_aspect("equal")
        ax.set_xlabel(rf"$\pi_1 = P(x^1 = {_tex(names[0][0])})$")
        ax.set_ylabel(rf"$\pi_2 = P(x^2 = {_tex(names[1][0])})$")
        ax.set_title(f"belief trajectories ({len(beliefs)} path{'s' * (len(beliefs) > 1)})")
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        return fig
    agents = list(range(N)) if agents is None else [int(i) for i in agents]
    for i in agents:
        if not 0 <= i < N:
            raise ValueError(f"agents: agent {i} is outside 0..{N - 1}")
    if ax is not None and len(agents) != 1:
        raise ValueError("trajectories: pass ax only with a single agent (agents=[i]) or kind='square'")
    if ax is None:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        fig, axs = plt.subplots(len(agents), 1, figsize=(6.0, 0.8 + 1.9 * len(agents)), sharex=True,
                                squeeze=False)
        axs = list(axs[:, 0])
    else:
        fig, axs = ax.figure, [ax]
    steps = np.arange(len(beliefs[0]))
    for a, i in zip(axs, agents):
        m = n_types[i]
        if true_type:
            for b, x in zip(beliefs, types):
                a.plot(np.arange(len(b)), b[np.arange(len(b)), i, x[:, i]], "-", color="C0", lw=1.0,
                       alpha=alpha)
            a.set_ylabel(rf"$\pi^{{{i + 1}}}_t(x^{{{i + 1}}}_t)$")
        else:
            shown = [0] if m == 2 else list(range(m))
            for x in shown:
                for p, b in enumerate(beliefs):
                    a.plot(np.arange(len(b)), b[:, i, x], "-", color=f"C{x}", lw=1.0, alpha=alpha,
                           label=f"{names[i][x]}" if p == 0 else None)
            a.set_ylabel(rf"$\pi^{{{i + 1}}}_t$" if m > 2 else
                         rf"$\pi^{{{i + 1}}}_t(\mathrm{{{_tex(names[i][0])}}})$")
            if m > 2:
                a.legend(loc="upper right", fontsize=7, title=f"agent {i + 1}'s type", title_fontsize=7)
        a.set_ylim(-0.03, 1.03)
        a.set_title(f"agent {i + 1}", fontsize=9, loc="left")
    axs[-1].set_xlabel("t")
    if len(steps) <= 20:
        axs[-1].set_xticks(steps)
    fig.suptitle(f"belief trajectories ({len(beliefs)} path{'s' * (len(beliefs) > 1)})", fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------- output
def save(fig, path, formats: Sequence[str] = ("png", "pdf"), dpi: int = 150) -> list:
    """Write ``fig`` as ``path.<fmt>`` for every format (``path`` without or with a suffix,
    which is replaced); returns the paths written."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lstrip(".") in ("png", "pdf", "svg", "eps", "jpg") else path
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        out = stem.with_name(f"{stem.name}.{fmt.lstrip('.')}")
        fig.savefig(out, dpi=dpi)
        written.append(out)
    return written
