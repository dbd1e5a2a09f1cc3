"""Reproductions of thesis ch. 5, Table 2 and Figs. 16-19 (``spbe reproduce ch5-...``).

Conventions (notes §1.2-1.3, §8): Table 2 uses the sample σ (ddof=1) and the N(N-1) Gini; Figs.
16-18 the population Gini (5.21); the smart-grid objective is Σ g_ε(v) - C with g_ε = z - εz²;
the §7 prior is i.i.d. with P(θ_H) = 0.1; H(ε) has no cost term (literal (5.12b)).
Figure 19's within-profile tax spread is not determined by the thesis's LP (it is degenerate);
we plot our canonical own-report taxes (notes §6.5) and report the unique LP optima beside them.
"""
from __future__ import annotations


import numpy as np
from scipy import stats

from spbe.reproduce import Reproduction, pyplot, save_figure

from .._levels import first_crossing

from .allocation import allocation_by_count, linear_capacity_problem, smart_grid_problem
from .bayesian import smart_grid_bayes_terms, smart_grid_canonical_taxes, smart_grid_tax_lp
from .dominant import (dsic_epsilon_max, linear_capacity_dsic_bound, thesis_eq_5_20)
from .metrics import coefficient_of_variation, gini, std, two_valued_gini
from .vcg import vcg_taxes_by_count

__all__ = ["TABLE2", "FIG16", "FIG17", "FIG18", "FIG19"]

N_SG, THETA_H, THETA_L, COST, MUST_RUN, M_TYPICAL, P_HIGH = 100, 15.0, 5.0, 0.3, 0.1, 10, 0.1


def _expand(n_high, n, high, low):
    return np.concatenate([np.full(n_high, high), np.full(n - n_high, low)])


def _disparity(vec):
    return dict(std=std(vec, ddof=1), cv_percent=100 * coefficient_of_variation(vec),
                gini_unbiased_percent=100 * gini(vec, "unbiased"),
                gini_population_percent=100 * gini(vec, "population"))


# --------------------------------------------------------------------------- Table 2
def run_table2(out_dir, quick=False):
    """SoU allocation, utilities and VCG taxes at m = 10 of N = 100 (ε = 0)."""
    p = smart_grid_problem(N_SG, THETA_H, THETA_L, COST, MUST_RUN)
    xh, xl = allocation_by_count(p, 0.0)
    th_tax, tl_tax = vcg_taxes_by_count(p)
    m = M_TYPICAL
    x = _expand(m, N_SG, xh[m], xl[m])
    u = p.valuation.value(x, _expand(m, N_SG, THETA_H, THETA_L))
    t = _expand(m, N_SG, th_tax[m], tl_tax[m])
    P = stats.binom.pmf(np.arange(N_SG + 1), N_SG, P_HIGH)
    sig = [0.0 if mm in (0, N_SG) else std(_expand(mm, N_SG, th_tax[mm], tl_tax[mm])) for mm in range(N_SG + 1)]
    rows = {"allocation": (xh[m], xl[m], x), "utility": (u[0], u[-1], u), "vcg_tax": (th_tax[m], tl_tax[m], t)}
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 2.2))
    ax.axis("off")
    cells = [[f"{h:.3f}", f"{lo:.3f}", f"{_disparity(v)['std']:.4g}", f"{_disparity(v)['cv_percent']:.0f}%",
              f"{_disparity(v)['gini_unbiased_percent']:.0f}%"] for h, lo, v in rows.values()]
    ax.table(cellText=cells, rowLabels=list(rows), colLabels=["H", "L", "σ", "σ/μ", "GC"], loc="center")
    ax.set_title("Table 2: Θ = {5, 15}, N = 100, 10% high, a = 0.3, m_i = 0.1")
    save_figure(fig, out_dir, "ch5-table2.png", dpi=120, tight=False, bbox_inches="tight")
    out = {"x_high": xh[m], "x_low": xl[m], "utility_high": u[0], "utility_low": u[-1],
           "vcg_tax_high": th_tax[m], "vcg_tax_low": tl_tax[m],
           "vcg_tax_std_mean_over_binomial": float(np.dot(P, sig)),
           "conventions": "σ: ddof=1; GC: Σ|u_i-u_j| / (2N(N-1)μ) (Table 2); population GC also given"}
    for name, (_, _, vec) in rows.items():
        for k, val in _disparity(vec).items():
            out[f"{name}_{k}"] = val
    return out


# --------------------------------------------------------------------------- Fig 16
def run_fig16(out_dir, quick=False):
    """GC of the utility profile vs ε for the §6 example, N = 50, (θ_H, θ_L) = (1, 0.75)."""
    n, th, tl = 50, 1.0, 0.75
    bound = linear_capacity_dsic_bound(n, th, tl)
    grid = np.linspace(0.0, 14.0, 57 if quick else 561)
    p = linear_capacity_problem(n, th, tl)
    from .allocation import linear_capacity_closed_form
    curves = {}
    for m in (9, 24, 39):
        g = []
        for e in grid:
            xh, xl = linear_capacity_closed_form(n, m, th, tl, e)
            g.append(two_valued_gini(m, n, th * xh, tl * xl))
        curves[m] = np.array(g)
    eps_tilde = dsic_epsilon_max(p, np.arange(0.0, 20.5, 0.5), by_count=True)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for m, g in curves.items():
        ax.plot(grid, g, label=f"m = {m}")
    ax.axvline(bound, color="k", ls=":", lw=0.8, label=f"ε̃_max = N/(2(θH+θL)) = {bound:.4g}")
    ax.set_xlabel("ε")
    ax.set_ylabel("Gini coefficient")
    ax.set_title("Fig. 16: GC of (v(x̂_ε(θ); θ_i))_i, N = 50")
    ax.legend()
    save_figure(fig, out_dir, "ch5-fig16.png", dpi=120, tight=False, bbox_inches="tight")
    at = {}
    for m in (9, 24, 39):
        at[str(m)] = {}
        for e in (0.0, 2.0, 5.0, 10.0, 14.0, bound):
            xh, xl = linear_capacity_closed_form(n, m, th, tl, e)
            at[str(m)][f"{e:g}"] = two_valued_gini(m, n, th * xh, tl * xl)
    return {"eps_tilde_max_exact": bound, "eps_tilde_max_numeric": eps_tilde,
            "eps_tilde_max_thesis_eq_5_20b": thesis_eq_5_20(n, th, tl), "eps_tilde_max_thesis_text": 14.0,
            "gini": at, "grid_points": int(grid.size), "quick": bool(quick)}


# --------------------------------------------------------------------------- Fig 17
def run_fig17(out_dir, quick=False):
    """H(ε) of (5.12a) and the BSIC gap A(ε) for the smart grid, m ~ Bin(100, 0.1)."""
    p = smart_grid_problem(N_SG, THETA_H, THETA_L, COST, MUST_RUN)
    grid = np.linspace(0.0, 0.2, 21 if quick else 201)
    terms = [smart_grid_bayes_terms(p, e, P_HIGH) for e in grid]
    H = np.array([t.H for t in terms])
    A = np.array([t.A for t in terms])

    k = int(np.argmax(H <= 0))
    eps_max = first_crossing(lambda e: smart_grid_bayes_terms(p, e, P_HIGH).H <= 0,
                             grid[k - 1:k + 1], xtol=0.0)
    k = int(np.argmax(A <= 1e-12))
    eps_a = first_crossing(lambda e: smart_grid_bayes_terms(p, e, P_HIGH).A - 1e-12 <= 0,
                           grid[k - 1:k + 1], xtol=0.0)
    # closed form of the constant-allocation threshold (notes §6.2)
    v_h_min = p.valuation.value(MUST_RUN, THETA_H)
    eps_star = (1 - 2 * COST * N_SG * MUST_RUN / (THETA_H - MUST_RUN / 2)) / (2 * v_h_min)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(grid, A, label="A(ε): BSIC upper minus lower bound")
    ax.plot(grid, H, label="H(ε) (5.12a)")
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(eps_max, color="C1", ls=":", lw=0.8)
    ax.set_xlabel("ε")
    ax.legend()
    ax.set_title("Fig. 17: quantities that determine ε_max")
    save_figure(fig, out_dir, "ch5-fig17.png", dpi=120, tight=False, bbox_inches="tight")
    table = {f"{e:g}": {"H": smart_grid_bayes_terms(p, e, P_HIGH).H, "A": smart_grid_bayes_terms(p, e, P_HIGH).A}
             for e in (0.0, 0.005, 0.025, 0.03, 0.1)}
    return {"eps_max": eps_max, "eps_A_zero": eps_a, "eps_constant_allocation": eps_star,
            "H_A": table, "thesis": {"eps_max": "H > 0 for ε ≤ 0.025", "eps_A_zero": "BSIC up to ε ≤ 0.2"},
            "grid_points": int(grid.size), "quick": bool(quick)}


# --------------------------------------------------------------------------- Fig 18
FIG18_EPS = (0.0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2)


def run_fig18(out_dir, quick=False):
    """GC (%) and σ of the utility vector at m = 10 vs ε (population Gini, as in §7)."""
    p = smart_grid_problem(N_SG, THETA_H, THETA_L, COST, MUST_RUN)
    m = M_TYPICAL
    grid = np.union1d(np.linspace(0.0, 0.2, 21 if quick else 201), FIG18_EPS)
    g, s = [], []
    for e in grid:
        xh, xl = allocation_by_count(p, e)
        u = p.valuation.value(_expand(m, N_SG, xh[m], xl[m]), _expand(m, N_SG, THETA_H, THETA_L))
        g.append(100 * gini(u, "population"))
        s.append(std(u, ddof=1))
    g, s = np.array(g), np.array(s)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(grid, g, color="C0")
    ax.set_ylabel("GC (%)", color="C0")
    ax.set_xlabel("ε")
    ax2 = ax.twinx()
    ax2.plot(grid, s, color="C3")
    ax2.set_ylabel("σ (ddof = 1)", color="C3")
    ax.set_title("Fig. 18: disparity of the utilities, m = 10")
    save_figure(fig, out_dir, "ch5-fig18.png", dpi=120, tight=False, bbox_inches="tight")
    pick = {f"{e:g}": int(np.argmin(np.abs(grid - e))) for e in FIG18_EPS}
    return {"gini_percent": {k: g[i] for k, i in pick.items()},
            "std_utility": {k: s[i] for k, i in pick.items()},
            "thesis_gini_percent": {"0": 73, "0.025": 55, "0.2": 15},
            "gini_nonincreasing": bool(np.all(np.diff(g) <= 1e-9)),
            "std_nonincreasing": bool(np.all(np.diff(s) <= 1e-9)),
            "grid_points": int(grid.size), "quick": bool(quick)}


# --------------------------------------------------------------------------- Fig 19
def peak_load_pricing(n=N_SG, theta_high=THETA_H, theta_low=THETA_L, cost=COST, p_high=P_HIGH):
    """The Stackelberg / peak-load-pricing baseline of §7 as we read it (notes §6.5 [!]).

    The supplier sets a unit price π, users demand argmax v(x; θ) - π x = 2(θ - π)^+ (no must-run),
    the supplier maximises E_m[π Y - a Y²]; user taxes are π x_i. Returns (π*, σ(m=10), mean σ).
    This reading does not give the thesis's σ = 0.59 / 0.6.
    """
    from scipy import optimize
    m = np.arange(n + 1)
    P = stats.binom.pmf(m, n, p_high)

    def demand(pi):
        return m * 2 * max(theta_high - pi, 0) + (n - m) * 2 * max(theta_low - pi, 0)

    res = optimize.minimize_scalar(lambda pi: -np.dot(P, pi * demand(pi) - cost * demand(pi) ** 2),
                                   bounds=(0.0, theta_high), method="bounded", options={"xatol": 1e-10})
    pi = float(res.x)
    th, tl = pi * 2 * max(theta_high - pi, 0), pi * 2 * max(theta_low - pi, 0)
    sig = [0.0 if mm in (0, n) else std(_expand(mm, n, th, tl)) for mm in m]
    return pi, sig[M_TYPICAL], float(np.dot(P, sig))


def _spread(m, n, tau_h, tau_l):
    return 0.0 if m in (0, n) else np.sqrt(m * (n - m) / (n * (n - 1))) * abs(tau_h - tau_l)


def run_fig19(out_dir, quick=False):
    """σ of the tax vector vs ε (m = 10 and mean over Bin(100, 0.1)), canonical taxes."""
    p = smart_grid_problem(N_SG, THETA_H, THETA_L, COST, MUST_RUN)
    grid = np.union1d(np.linspace(0.0, 0.2, 11 if quick else 81), (0.0, 0.025, 0.2))
    P = stats.binom.pmf(np.arange(N_SG + 1), N_SG, P_HIGH)
    curves = {r: {"m10": [], "mean": []} for r in ("min_total", "max_total")}
    for e in grid:
        for r in curves:
            th, tl, _ = smart_grid_canonical_taxes(p, e, P_HIGH, rule=r)
            curves[r]["m10"].append(_spread(M_TYPICAL, N_SG, th, tl))
            curves[r]["mean"].append(float(np.dot(P, [_spread(mm, N_SG, th, tl) for mm in range(N_SG + 1)])))
    t_h, t_l = vcg_taxes_by_count(p)
    vcg_sig = [0.0 if mm in (0, N_SG) else std(_expand(mm, N_SG, t_h[mm], t_l[mm])) for mm in range(N_SG + 1)]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for r, lab in (("min_total", "min expected tax"), ("max_total", "max expected tax")):
        ax.plot(grid, curves[r]["m10"], label=f"{lab}, m = 10")
        ax.plot(grid, curves[r]["mean"], ls="--", label=f"{lab}, mean over m")
    ax.set_xlabel("ε")
    ax.set_ylabel("σ of the tax vector (ddof = 1)")
    ax.set_title("Fig. 19 (canonical own-report taxes; see notes §6.5)")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir, "ch5-fig19.png", dpi=120, tight=False, bbox_inches="tight")
    pick = {f"{e:g}": int(np.argmin(np.abs(grid - e))) for e in (0.0, 0.025, 0.2)}
    lp = {f"{e:g}": {r: smart_grid_tax_lp(p, e, P_HIGH, rule=r)["optimum"] for r in ("min_total", "max_total")}
          for e in (0.0, 0.025, 0.2)}
    pi, plp_m10, plp_mean = peak_load_pricing()
    return {"plp_price": pi, "plp_tax_std_m10": plp_m10, "plp_tax_std_mean": plp_mean,
            "tax_std_m10": {r: {k: curves[r]["m10"][i] for k, i in pick.items()} for r in curves},
            "tax_std_mean": {r: {k: curves[r]["mean"][i] for k, i in pick.items()} for r in curves},
            "lp_optimum_expected_total_tax": lp,
            "vcg_tax_std_m10": vcg_sig[M_TYPICAL], "vcg_tax_std_mean": float(np.dot(P, vcg_sig)),
            "thesis": {"rule1_std_m10": {"0": 0.51, "0.025": 0.26, "0.2": 0.026}, "vcg": [5.9, 6],
                       "plp": [0.59, 0.6]},
            "not_reproduced": "the thesis's σ values come from an unspecified vertex of a degenerate LP; "
                              "the PLP baseline is not reproducible under the stated Stackelberg reading",
            "grid_points": int(grid.size), "quick": bool(quick)}


TABLE2 = Reproduction("ch5-table2", "SoU allocation, utilities and VCG taxes with σ, σ/μ, Gini",
                      "Sinha thesis ch. 5 §2.1, Table 2", run_table2)
FIG16 = Reproduction("ch5-fig16", "Gini of utilities vs ε, §6 linear example (DSIC range)",
                     "Sinha thesis ch. 5 §6, Fig. 16, eq. (5.19)-(5.21)", run_fig16)
FIG17 = Reproduction("ch5-fig17", "H(ε) of (5.12a) and BSIC gap A(ε), smart grid",
                     "Sinha thesis ch. 5 §7, Fig. 17", run_fig17)
FIG18 = Reproduction("ch5-fig18", "Gini (%) and σ of utilities vs ε, smart grid m = 10",
                     "Sinha thesis ch. 5 §7, Fig. 18", run_fig18)
FIG19 = Reproduction("ch5-fig19", "σ of taxes vs ε (canonical BSIC taxes), VCG baseline",
                     "Sinha thesis ch. 5 §7, Fig. 19", run_fig19)
