"""Reproduction ``ch4-convergence``: Table 1 and Figs 12-15 of thesis ch. 4 §5.2.

Setting (§5.2; unstated choices as in the implementation notes, §5.3): ``N = 31``, ``eta = 25``,
``v_i(x) = theta_i x^2 + sigma_i x`` with ``theta_i ~ U(-eta/2, -1/(2 eta))``,
``sigma_i ~ U(10, 20)`` (one draw for both problems), then one connected Erdős–Rényi graph
``G(31, 0.3)``, all from ``numpy.random.default_rng(SEED)``; the other graph is the perfect binary
tree with 31 nodes. ``xi`` is Table 1's value and ``delta`` is recomputed from the graph with
(4.69)/(4.82) (if ``eta^2 < R(xi)`` fails on our ER sample, ``1 - xi`` is halved until it holds).
``c = 0``, ``m_0 = 0``, ``r_0 = m_0``. Dynamics: D1 = exponential weighting (4.31), D2 = best
response to the average of the last 10 rounds (fewer at the start, ``m_0`` included). Every case
is run until ``||m_n - m~||_2 <= 1e-5`` (or a cap).

Recorded: Table 1's ``delta`` on the binary tree (``delta_private_tree``, ``delta_public_tree``),
our ER sample's ``(xi, delta)``, rounds to ``1e-3`` and ``1e-5`` per curve, the relative distance
``||m_n - m~||_2 / ||m~||_1`` at those thresholds, fitted exponential rates, the spectral radius
and row-sum norm of the best-response Jacobian (full run), the chapter's observations (ER faster
than the tree for each dynamic; ER with either dynamic faster than the tree with either; D1
faster than D2), and the §3.2 small-message mechanism's Cournot divergence on the same tree.
``quick=True`` caps private runs at 1 500 rounds and skips the Jacobians.

Run ``spbe reproduce ch4-convergence --out DIR``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from mechanisms.repeated_play import Cournot, ExponentialAverage, WindowAverage, repeated_play
from spbe.reproduce import Reproduction, pyplot, save_figure

from .centralized import solve_private, solve_public
from .equilibrium import best_response_jacobian
from .graphs import binary_tree, erdos_renyi
from .private_goods import PrivateGoodsMechanism
from .public_goods import PublicGoodsMechanism
from .small_message import SmallMessageMechanism
from .tuning import contraction_ratio, tuned_delta
from ..utilities import random_quadratic_utilities

__all__ = ["REPRODUCTION", "run", "SEED", "TABLE1", "experiment_instance"]

SEED = 2017
N_AGENTS = 31
ETA = 25.0
ER_PROBABILITY = 0.3
#: Table 1: (1 - xi, delta) per (problem, graph)
TABLE1 = {("private", "tree"): (1.831e-4, 1005.6), ("public", "tree"): (2.515e-4, 0.9505),
          ("private", "er"): (7.324e-4, 932.3), ("public", "er"): (1e-3, 0.8744)}
DYNAMICS = {"D1-exp": ExponentialAverage(0.5), "D2-window10": WindowAverage(10)}
GRAPH_LABELS = {"tree": "Binary Tree", "er": "Erdős–Rényi"}


def experiment_instance(seed: int = SEED):
    """``(utilities, {"tree": binary tree, "er": ER sample})`` drawn as described above."""
    rng = np.random.default_rng(seed)
    utilities = random_quadratic_utilities(N_AGENTS, ETA, rng)
    graphs = {"tree": binary_tree(N_AGENTS), "er": erdos_renyi(N_AGENTS, ER_PROBABILITY, rng)}
    return utilities, graphs


def _parameters(graph, kind, gap):
    """Table 1's ``1 - xi`` (halved while ``eta^2 < R`` fails) and ``delta(xi)``."""
    halvings = 0
    while contraction_ratio(graph, 1 - gap, kind) <= ETA ** 2:
        gap /= 2
        halvings += 1
    xi = 1 - gap
    return xi, tuned_delta(graph, xi, kind), contraction_ratio(graph, xi, kind), halvings


def _rate(errors, lo, hi):
    """Least-squares slope of log10(error) per round between the first rounds below ``lo`` and ``hi``
    (``lo > hi``); NaN when not available."""
    e = np.asarray(errors)
    a = np.flatnonzero(e <= lo)
    b = np.flatnonzero(e <= hi)
    if not a.size or not b.size or b[0] - a[0] < 2:
        return float("nan")
    n = np.arange(a[0], b[0] + 1)
    return float(np.polyfit(n, np.log10(e[n]), 1)[0])


def _spectral(mechanism, utilities):
    jac = best_response_jacobian(mechanism, utilities)
    return float(np.max(np.abs(np.linalg.eigvals(jac)))), float(np.max(np.abs(jac).sum(axis=1)))


def _private_distances(mech, opt):
    """Monitor of a private-goods run: distances of the allocation and the price to the optimum."""
    x_star, lam = opt.x[:, 0], float(opt.prices[0])
    return lambda m: {"allocation": float(np.linalg.norm(mech.allocation(m) - x_star)),
                      "price": float(np.linalg.norm(mech.prices(m) - lam))}


def run(out_dir, quick: bool = False) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    utilities, graphs = experiment_instance(SEED)
    private_opt = solve_private(utilities, 0.0)
    public_opt = solve_public(utilities)
    caps = {"private": 1_500 if quick else 150_000, "public": 5_000}
    results = {}
    curves = {}
    params = {}
    for kind in ("private", "public"):
        for gname, graph in graphs.items():
            xi, delta, ratio, halvings = _parameters(graph, kind, TABLE1[(kind, gname)][0])
            cls = PrivateGoodsMechanism if kind == "private" else PublicGoodsMechanism
            mech = cls(graph, xi, delta)
            opt = private_opt if kind == "private" else public_opt
            m_eq = mech.equilibrium_messages(opt)
            game = mech.game(utilities)
            params[f"{kind}/{gname}"] = {"one_minus_xi": 1 - xi, "delta": delta, "R": ratio,
                                         "halvings_from_table1": halvings,
                                         "table1_delta": TABLE1[(kind, gname)][1],
                                         "eta_squared_below_R": bool(ETA ** 2 < ratio)}
            if not quick:
                rho, norm_inf = _spectral(mech, utilities)
                params[f"{kind}/{gname}"].update({"spectral_radius": rho, "row_sum_norm": norm_inf})
            monitor = _private_distances(mech, opt) if kind == "private" else None
            for dname, dyn in DYNAMICS.items():
                res = repeated_play(game, np.zeros_like(m_eq), joint=True, dynamic=dyn, target=m_eq,
                                    target_tol=1e-5, max_rounds=caps[kind], record_every=0,
                                    monitor=monitor)
                name = f"{kind}/{gname}/{dname}"
                scale = float(np.abs(m_eq).sum())
                r3, r5 = res.rounds_to(1e-3), res.rounds_to(1e-5)
                results[name] = {
                    "rounds_to_1e-3": r3, "rounds_to_1e-5": r5, "rounds_played": res.nit,
                    "status": res.message, "final_distance": float(res.errors[-1]),
                    "relative_distance_at_1e-3": (float(res.errors[r3]) / scale) if r3 is not None else None,
                    "relative_distance_at_1e-5": (float(res.errors[r5]) / scale) if r5 is not None else None,
                    "log10_rate_per_round": _rate(res.errors, 1e-1, 1e-3 if kind == "private" else 1e-5),
                    "equilibrium_l1_norm": scale, "equilibrium_l2_norm": float(np.linalg.norm(m_eq))}
                curves[name] = {"errors": res.errors, **{k: v for k, v in res.monitored.items()}}

    def faster(a, b, thr):
        ra, rb = results[a][thr], results[b][thr]
        if ra is None or rb is None:
            return None
        return bool(ra < rb)

    observations = {}
    for kind, thr in (("private", "rounds_to_1e-3"), ("public", "rounds_to_1e-5")):
        for d in DYNAMICS:
            observations[f"{kind}: ER faster than tree with {d}"] = faster(
                f"{kind}/er/{d}", f"{kind}/tree/{d}", thr)
        for g in graphs:
            observations[f"{kind}: D1 faster than D2 on {g}"] = faster(
                f"{kind}/{g}/D1-exp", f"{kind}/{g}/D2-window10", thr)
        cross = [faster(f"{kind}/er/{a}", f"{kind}/tree/{b}", thr) for a in DYNAMICS for b in DYNAMICS]
        observations[f"{kind}: ER with either dynamic faster than tree with either"] = (
            None if None in cross else all(cross))

    small = _small_message_divergence(graphs["tree"], utilities, private_opt, quick)
    figures = _figures(out_dir, curves)
    return {
        "quick": bool(quick), "seed": SEED, "N": N_AGENTS, "eta": ETA, "er_probability": ER_PROBABILITY,
        "er_average_degree": graphs["er"].average_degree, "er_diameter": graphs["er"].diameter,
        "tree_average_degree": graphs["tree"].average_degree, "tree_diameter": graphs["tree"].diameter,
        "lambda_star": float(private_opt.prices[0]), "x_star_public": float(public_opt.x[0]),
        "delta_private_tree": tuned_delta(graphs["tree"], 1 - TABLE1[("private", "tree")][0], "private"),
        "delta_public_tree": tuned_delta(graphs["tree"], 1 - TABLE1[("public", "tree")][0], "public"),
        "parameters": params,
        "rounds_to_1e-3": {k: v["rounds_to_1e-3"] for k, v in results.items()},
        "rounds_to_1e-5": {k: v["rounds_to_1e-5"] for k, v in results.items()},
        "curves": results, "observations": observations, "small_message_mechanism": small,
        "figures": figures, "caps": caps,
    }


def _small_message_divergence(tree, utilities, opt, quick):
    """Cournot play of the §3.2 mechanism on the tree from its equilibrium perturbed by 1e-6."""
    mech = SmallMessageMechanism(tree)
    m_eq = mech.equilibrium_messages(opt)
    start = tuple(a + 1e-6 for a in m_eq)
    res = repeated_play(mech.game(utilities), start, joint=True, dynamic=Cournot(), target=m_eq,
                                 max_rounds=200, divergence_bound=1e3, record_every=0)
    out = {"total_message_dimension": mech.dimension,
           "proxy_mechanism_total_dimension": N_AGENTS * (N_AGENTS + 1),
           "cournot_status": res.message, "cournot_rounds": res.nit,
           "initial_distance": float(res.errors[0]), "final_distance": float(res.errors[-1])}
    if not quick:
        jac = best_response_jacobian(mech, utilities)
        out["spectral_radius"] = float(np.max(np.abs(np.linalg.eigvals(jac))))
        out["row_sum_norm"] = float(np.max(np.abs(jac).sum(axis=1)))
    return out


def _figures(out_dir, curves):
    plt = pyplot()

    specs = [("fig12_private_message_distance.png", "private", "errors",
              r"$\|m_n-\tilde m\|_2$, private goods (Fig. 12)"),
             ("fig13_private_allocation_error.png", "private", "allocation",
              r"$\|\hat x(m_n)-x^*\|_2$, private goods (Fig. 13)"),
             ("fig14_private_price_error.png", "private", "price",
              r"$\|(\hat p_i(m_n))_i-(\lambda^*,\dots,\lambda^*)\|_2$, private goods (Fig. 14)"),
             ("fig15_public_message_distance.png", "public", "errors",
              r"$\|m_n-\tilde m\|_2$, public goods (Fig. 15)")]
    written = []
    for fname, kind, key, title in specs:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for name, data in curves.items():
            k, g, d = name.split("/")
            if k != kind or key not in data:
                continue
            y = np.asarray(data[key])
            ax.semilogy(np.arange(y.size), y, label=f"{GRAPH_LABELS[g]}, {d}",
                        ls="-" if d.startswith("D1") else "--")
        ax.set_xlabel("round n")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        written.append(str(save_figure(fig, out_dir, fname)))
    return written


REPRODUCTION = Reproduction(
    name="ch4-convergence",
    description="Distributed mechanisms with learning guarantees: Table 1 (xi, delta) and the "
                "convergence of exp-weighted and 10-window best response (Figs 12-15)",
    source="thesis ch. 4 §5.2, Table 1, Figures 12-15",
    run=run,
    slow=True,
)
