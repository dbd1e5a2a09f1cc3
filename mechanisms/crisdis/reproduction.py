"""Reproduction ``seed004-crisdis``: frustration and Price of Anarchy of learned traders with and
without the fairness mechanism, per clearing rule (Sychrovský et al., AAMAS 2023, Figs. 3 and 5).

For every clearing rule (random, greedy, maximum clearing with absolute / average prices) and
fairness mode (Rights with k = 1, free market, Rights with k = 2) on instances of the §5 domain
(4 sellers, 3 rich + 1 poor buyer, T = 10, paper conventions), the traders are trained by the
policy-gradient learner of :mod:`.learning`; NashConv is estimated at the start, at checkpoints
(Rights, k = 1: the Fig. 3 analogue) and at the end; the final profile is played on fresh Crises
for PoA_τ and each buyer's frustration (Fig. 5). Instances, batches and estimates are seeded.
The seed's claims are checked on the results and written to the JSON as booleans.
Run ``spbe reproduce seed004-crisdis --out DIR`` (full: about half an hour on 2 cores).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spbe.reproduce import Reproduction, pyplot, save_figure

from .clearing import CLEARING_METHODS
from .crisis import make_crisis
from .learning import evaluate_profile, learn_equilibrium

__all__ = ["REPRODUCTION", "run", "SYSTEMS"]

# label -> (fairness, stages)
SYSTEMS = {"rights_k1": ("rights", 1), "free": ("free", 1), "rights_k2": ("rights", 2)}


def _config(quick):
    if quick:
        return dict(n_instances=1, n_markets=4, n_iterations=12, batch_size=16, n_eval=32,
                    checkpoint_every=6,
                    exploit=dict(n_episodes=8, n_candidates=4, n_refine=1, refine_size=4))
    return dict(n_instances=3, n_markets=10, n_iterations=120, batch_size=32, n_eval=100,
                checkpoint_every=30,
                exploit=dict(n_episodes=16, n_candidates=12, n_refine=1, refine_size=6))


def _claims(poa, buyer_f, nash, rules, poor):
    out = {}
    with_r = {m: poa[m]["rights_k1"]["mean"] for m in rules}
    free = {m: poa[m]["free"]["mean"] for m in rules}
    k2 = {m: poa[m]["rights_k2"]["mean"] for m in rules}
    out["PoA lower with Rights (k=1) than in the free market, every rule"] = bool(
        all(with_r[m] < free[m] for m in rules))
    out["PoA with Rights k=2 below k=1, every rule"] = bool(all(k2[m] < with_r[m] for m in rules))
    out["max clearing (absolute and average) below random and greedy (Rights, k=1)"] = bool(
        max(with_r["max_absolute"], with_r["max_average"])
        < min(with_r["random"], with_r["greedy"]))
    out["the poor buyer is the most frustrated, every system"] = bool(all(
        int(np.argmax(buyer_f[m][s])) == poor for m in rules for s in SYSTEMS))
    rich = [b for b in range(len(buyer_f[rules[0]]["free"])) if b != poor]
    out["Rights (k=1) lower the rich buyers' mean frustration too, every rule"] = bool(all(
        np.mean([buyer_f[m]["rights_k1"][b] for b in rich])
        < np.mean([buyer_f[m]["free"][b] for b in rich])
        for m in rules))
    out["NashConv at the end below its start, every system"] = bool(all(
        nash[m][s]["end"] < nash[m][s]["start"] for m in rules for s in SYSTEMS))
    return out


def run(out_dir, quick: bool = False) -> dict:
    out_dir = Path(out_dir)
    cfg = _config(quick)
    rules = list(CLEARING_METHODS)
    instances = [make_crisis(seed=(2023, i), n_markets=cfg["n_markets"])
                 for i in range(cfg["n_instances"])]
    poor = instances[0].n_buyers - 1          # paper_population puts the poor buyer last
    poa, buyer_f, nash, curves, training = {}, {}, {}, {}, {}
    for m in rules:
        poa[m], buyer_f[m], nash[m], curves[m], training[m] = {}, {}, {}, {}, {}
        for label, (fairness, stages) in SYSTEMS.items():
            finals, poa_curves, bf, starts, ends, ck_curves, untrained = [], [], [], [], [], [], []
            relative = []
            for i, base in enumerate(instances):
                crisis = base.with_system(clearing=m, fairness=fairness, stages=stages)
                every = cfg["checkpoint_every"] if label == "rights_k1" else 0
                res = learn_equilibrium(crisis, n_iterations=cfg["n_iterations"],
                                        batch_size=cfg["batch_size"], exploitability_every=every,
                                        exploitability_options=cfg["exploit"], seed=(7, i))
                ev = evaluate_profile(crisis, res.profile, n_episodes=cfg["n_eval"], seed=(8, i))
                finals.append(float(ev.price_of_anarchy[-1]))
                poa_curves.append(ev.price_of_anarchy)
                bf.append(ev.buyer_frustration)
                starts.append(float(res.nash_conv[0]))
                ends.append(float(res.nash_conv[-1]))
                scale = np.nansum(np.abs(res.reports[-1].policy_values))
                relative.append(float(res.nash_conv[-1] / scale) if scale > 0 else float("nan"))
                ck_curves.append(res.nash_conv)
                untrained.append(float(res.price_of_anarchy[0]))
                training[m].setdefault(label, []).append(
                    {"checkpoints": res.checkpoints, "nash_conv": res.nash_conv,
                     "batch_poa": res.price_of_anarchy,
                     "final_means": [a.tolist() for a in res.means],
                     "final_returns": ev.returns, "mean_ask": ev.mean_ask,
                     "engine": res.play.message})
            finals = np.array(finals)
            poa[m][label] = {"mean": float(finals.mean()),
                             "se": (float(finals.std(ddof=1) / np.sqrt(finals.size))
                                    if finals.size > 1 else None),
                             "per_instance": finals, "curve": np.mean(poa_curves, axis=0),
                             "untrained_batch_poa": float(np.mean(untrained))}
            buyer_f[m][label] = np.mean(bf, axis=0)
            nash[m][label] = {"start": float(np.mean(starts)), "end": float(np.mean(ends)),
                              "end_relative_to_total_value": float(np.mean(relative)),
                              "per_instance_start": starts, "per_instance_end": ends}
            curves[m][label] = np.mean(ck_curves, axis=0)
    figures = _figures(out_dir, rules, poa, buyer_f, training, poor)
    return {
        "quick": bool(quick),
        "setting": {**{k: v for k, v in cfg.items() if k != "exploit"},
                    "exploitability": cfg["exploit"],
                    "n_sellers": 4, "n_buyers": 4, "poor_buyer": poor, "conventions": "paper",
                    "learner": "policy gradient (REINFORCE + Adam), constant Gaussian policies",
                    "demands": [c.demands for c in instances],
                    "earnings": [c.earnings for c in instances]},
        "price_of_anarchy": {m: [poa[m]["rights_k1"]["mean"], poa[m]["free"]["mean"]]
                             for m in rules},
        "price_of_anarchy_rights_k2": {m: poa[m]["rights_k2"]["mean"] for m in rules},
        "price_of_anarchy_by_system": poa,
        "buyer_frustration": buyer_f,
        "nash_conv": nash,
        "training": training,
        "seed_claims": _claims(poa, buyer_f, nash, rules, poor),
        "figures": figures,
    }


def _figures(out_dir, rules, poa, buyer_f, training, poor):
    plt = pyplot()

    names = []
    colors = {"free": "tab:red", "rights_k1": "tab:blue", "rights_k2": "tab:green"}
    fig, axes = plt.subplots(2, len(rules), figsize=(4 * len(rules), 7.5))
    for j, m in enumerate(rules):
        ax = axes[0, j]
        for label in SYSTEMS:
            c = poa[m][label]["curve"]
            ax.plot(np.arange(1, c.size + 1), c, "o-", ms=3, color=colors[label], label=label)
        ax.set_title(m)
        ax.set_xlabel("Market τ")
        ax.set_ylim(0, None)
        if j == 0:
            ax.set_ylabel("PoA_τ")
            ax.legend(fontsize=8)
        ax = axes[1, j]
        width = 0.27
        nb = len(buyer_f[m]["free"])
        for k_, label in enumerate(SYSTEMS):
            ax.bar(np.arange(nb) + (k_ - 1) * width, buyer_f[m][label], width, color=colors[label],
                   label=label)
        ax.set_xticks(range(nb))
        ax.set_xticklabels([f"b{b}" + (" (poor)" if b == poor else "") for b in range(nb)],
                           fontsize=8)
        if j == 0:
            ax.set_ylabel("mean frustration")
    fig.suptitle("Crisdis, learned traders: PoA (top) and per-buyer frustration (bottom)")
    names.append(save_figure(fig, out_dir, "seed004-crisdis-poa.png").name)

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for m in rules:
        runs = training[m]["rights_k1"]
        x = runs[0]["checkpoints"]
        y = np.array([r["nash_conv"] for r in runs])
        ax.errorbar(x, y.mean(axis=0), yerr=y.std(axis=0) if len(runs) > 1 else None, marker="o",
                    capsize=3, label=m)
    ax.axhline(0, color="gray", ls="--", lw=0.8)
    ax.set_xlabel("training iteration")
    ax.set_ylabel("NashConv (estimate)")
    ax.set_title("Exploitability during training, Rights k = 1 (Fig. 3 analogue)")
    ax.legend(fontsize=8)
    names.append(save_figure(fig, out_dir, "seed004-crisdis-nashconv.png").name)
    return names


REPRODUCTION = Reproduction(
    name="seed004-crisdis",
    description=("Crisdis: PoA and frustration of learned traders with/without Rights, "
                 "4 clearing rules; NashConv"),
    source="seed 004 (Sychrovský, Černý, Lichau & Loebl, AAMAS 2023): §5.1 Fig. 3, §5.3 Fig. 5",
    run=run,
    slow=True,
)
