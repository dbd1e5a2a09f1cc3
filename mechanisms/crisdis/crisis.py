"""A Crisis: a finite sequence of Crisdis Markets (seed 004, §2), as a frozen record.

Every Market: sellers receive G^1_s Good and buyers M^1_b money; sellers offer Good; Rights are
allocated by the contested-garment rule φ on the offered volume V = Σ_s v^G_s; then the buyers'
stage (Right offers, bids, clearing by μ, utilities, consumption D_b / k) runs ``stages`` = k
times; unused Rights vanish at the end of the Market. Utilities (seed eqs. (1)-(2)):

    seller  u_s = money received + C_1 · Good left after trading        (non-terminal Market)
                  + C_2 · Good left after trading                       (terminal Market, also)
    buyer   u_b = min(D_b / k, Good held after trading), per buyers' stage
                  + C_3 · money left                                    (terminal Market)

``fairness="free"`` is the free market: the Rights are computed (they measure frustration) but
not enforced, and nobody trades Right.

Where the authors' code differs from the paper, the paper is the default and the code is a field
value ([CODE] below; :data:`CODE_CONVENTION` collects them, :func:`make_crisis` applies them):

=====================  =======================================  ===================================
field                  paper (default)                          code
=====================  =======================================  ===================================
``claims``             ``"demand"``: the claims are D           ``"residual"``: max(D - G_b, 0)
``excess``             ``"positive"`` (see ``claims.py``)       ``"equal_all"``
``storage_cost``       C_1 = -1/8                               0 (C_1 is defined, never used)
``terminal``           ``"after_trade"``                        ``"before_trade"`` (stock and
                                                                money before the last trade)
``money_timing``       ``"next_market"``: money earned in a     ``"immediate"``: usable in the
                       Market is usable from the next one       next buyers' stage (k = 2)
``rights_accounting``  ``"consumed"``: Rights used to buy Good  ``"kept"``: only Rights sold are
                       are used up (matters for k = 2)          subtracted
``clearing_options``   ``{}``                                   ``eps_trade`` / ``capacity_margin``
                                                                = 1e-4
=====================  =======================================  ===================================

The code's rollout details that are not a paper/code difference are kept: per-stage buyer reward
min(G_b, D_b / k) and consumption D_b / k, sellers' offers made once per Market (what is unsold
in stage 1 stays on offer in stage 2), a buyer's Right offer a fraction of the Rights it holds.

References
----------
.. [1] D. Sychrovský, J. Černý, S. Lichau and M. Loebl, "Price of anarchy in a double-sided
   critical distribution system", AAMAS 2023 (arXiv:2302.09959), §2, §5.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .book import nonnegative_vector
from .claims import EXCESS_RULES
from .clearing import CLEARING_METHODS, resolve_options
from .._arrays import check_choice, check_integer, check_number, check_positive

__all__ = ["Crisis", "make_crisis", "paper_population", "code_population", "FAIRNESS",
           "CODE_CONVENTION"]

FAIRNESS = ("rights", "free")
CLAIMS = ("demand", "residual")
TERMINALS = ("after_trade", "before_trade")
MONEY_TIMINGS = ("next_market", "immediate")
RIGHTS_ACCOUNTINGS = ("consumed", "kept")
CODE_CONVENTION = {"claims": "residual", "excess": "equal_all", "storage_cost": 0.0,
                   "terminal": "before_trade", "money_timing": "immediate",
                   "rights_accounting": "kept"}


@dataclass(frozen=True, eq=False)
class Crisis:
    """A Crisis C = (T, D, φ, μ, u, M^1, G^1, T, P) with the simulation conventions.

    Attributes
    ----------
    demands : (B,)        D_b, Good a buyer consumes per Market
    earnings : (B,)       M^1_b, money a buyer receives per Market
    supply : (S,)         G^1_s, Good a seller receives per Market
    n_markets : int       T
    stages : int          k, buyers' stages per Market
    fairness : {"rights", "free"}
    clearing : one of CLEARING_METHODS;  clearing_options : dict
    storage_cost, terminal_good_value, terminal_money_value : C_1, C_2, C_3
    max_price : P;  max_volume : largest bid volume (the code's ``max_trade_volume``)
    discount : γ of the traders' objective (Def. 3)
    claims, excess, terminal, money_timing, rights_accounting : see the module docstring
    """
    demands: np.ndarray
    earnings: np.ndarray
    supply: np.ndarray
    n_markets: int = 10
    stages: int = 1
    fairness: str = "rights"
    clearing: str = "greedy"
    clearing_options: dict = field(default_factory=dict)
    storage_cost: float = -1 / 8
    terminal_good_value: float = 1 / 2
    terminal_money_value: float = 1.0
    max_price: float = 1.0
    max_volume: float = 1.0
    discount: float = 0.99
    claims: str = "demand"
    excess: str = "positive"
    terminal: str = "after_trade"
    money_timing: str = "next_market"
    rights_accounting: str = "consumed"

    def __post_init__(self):
        object.__setattr__(self, "demands", nonnegative_vector("demands", self.demands, nonzero=True))
        object.__setattr__(self, "earnings", nonnegative_vector("earnings", self.earnings))
        object.__setattr__(self, "supply", nonnegative_vector("supply", self.supply))
        if self.earnings.size != self.demands.size:
            raise ValueError(f"earnings: expected {self.demands.size} values (one per buyer); "
                             f"got {self.earnings.size}")
        for name in ("n_markets", "stages"):
            object.__setattr__(self, name, check_integer(name, getattr(self, name)))
        for name, choices in (("fairness", FAIRNESS), ("claims", CLAIMS), ("excess", EXCESS_RULES),
                              ("terminal", TERMINALS), ("money_timing", MONEY_TIMINGS),
                              ("rights_accounting", RIGHTS_ACCOUNTINGS),
                              ("clearing", CLEARING_METHODS)):
            check_choice(name, getattr(self, name), choices)
        object.__setattr__(self, "clearing_options",
                           resolve_options(self.clearing, dict(self.clearing_options)))
        for name in ("storage_cost", "terminal_good_value", "terminal_money_value"):
            check_number(name, getattr(self, name))
        for name in ("max_price", "max_volume"):
            check_positive(name, getattr(self, name))
        if not (np.isfinite(self.discount) and 0 < self.discount <= 1):
            raise ValueError(f"discount: expected a number in (0, 1]; got {self.discount!r}")

    @property
    def n_buyers(self) -> int:
        return self.demands.size

    @property
    def n_sellers(self) -> int:
        return self.supply.size

    @property
    def n_traders(self) -> int:
        return self.n_sellers + self.n_buyers

    def with_system(self, clearing=None, fairness=None, stages=None, **clearing_options):
        """The same instance under another market system (mechanism, fairness, k)."""
        changes = {}
        if clearing is not None:
            changes["clearing"] = clearing
            changes["clearing_options"] = clearing_options
        elif clearing_options:
            changes["clearing_options"] = clearing_options
        if fairness is not None:
            changes["fairness"] = fairness
        if stages is not None:
            changes["stages"] = stages
        return replace(self, **changes)


def paper_population(n_buyers: int = 4, seed=None, *, n_poor: int = 1):
    """Demands and earnings of §5: rich buyers D ~ U(1, 2), M^1 ~ U(4, 6); poor buyers
    D ~ U(4, 6), M^1 ~ U(1, 2) (the last ``n_poor`` buyers), normalised to mean D = 1 and mean
    M^1 = 1/8."""
    check_integer("n_buyers", n_buyers)
    if not 0 <= n_poor <= n_buyers:
        raise ValueError(f"n_poor: expected 0..{n_buyers}; got {n_poor!r}")
    rng = np.random.default_rng(seed)
    poor = np.arange(n_buyers) >= n_buyers - n_poor
    d = np.where(poor, rng.uniform(4, 6, n_buyers), rng.uniform(1, 2, n_buyers))
    m = np.where(poor, rng.uniform(1, 2, n_buyers), rng.uniform(4, 6, n_buyers))
    return d / d.mean(), m / m.mean() / 8


def code_population(n_buyers: int = 4, seed=None):
    """The authors' code (``poa/main.py``): each buyer is rich with probability 3/4, draws
    rounded to 0.1, same normalisation. Returns (demands, earnings, poor mask)."""
    rng = np.random.default_rng(seed)
    d, m, poor = [], [], []
    for _ in range(n_buyers):
        p = rng.uniform() > 3 / 4
        poor.append(p)
        d.append(np.round(rng.uniform(4, 6) if p else rng.uniform(1, 2), 1))
        m.append(np.round(rng.uniform(1, 2) if p else rng.uniform(4, 6), 1))
    d, m = np.array(d), np.array(m)
    return d / d.mean(), m / m.mean() / 8, np.array(poor)


def make_crisis(n_buyers: int = 4, n_sellers: int = 4, *, seed=None, convention: str = "paper",
                population: str = "paper", supply_per_seller=None, **fields) -> Crisis:
    """The §5 experimental domain: T = 10, P = 1, C = (-1/8, 1/2, 1), G^1_s = 1/|S| (paper;
    the code gives every seller 1/4, pass ``supply_per_seller=0.25``), buyers from
    :func:`paper_population` (or ``population="code"``). ``convention="code"`` applies
    :data:`CODE_CONVENTION` and the code's clearing tolerances; ``fields`` override anything."""
    check_choice("convention", convention, ("paper", "code"))
    check_choice("population", population, ("paper", "code"))
    if population == "paper":
        demands, earnings = paper_population(n_buyers, seed)
    else:
        demands, earnings, _ = code_population(n_buyers, seed)
    check_integer("n_sellers", n_sellers)
    per = 1 / n_sellers if supply_per_seller is None else supply_per_seller
    base = dict(CODE_CONVENTION) if convention == "code" else {}
    if convention == "code":
        method = fields.get("clearing", "greedy")
        base["clearing_options"] = ({"eps_trade": 1e-4} if method in ("random", "greedy")
                                    else {"capacity_margin": 1e-4, "tie_break": "none"})
    base.update(fields)
    return Crisis(demands, earnings, np.full(n_sellers, float(per)), **base)
