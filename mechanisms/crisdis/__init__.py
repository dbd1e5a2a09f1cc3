"""Crisdis: a sequence of double-auction markets for a critical good with buying rights allocated
by the contested-garment rule (seed 004: D. Sychrovský, J. Černý, S. Lichau and M. Loebl, "Price
of anarchy in a double-sided critical distribution system", AAMAS 2023, arXiv:2302.09959).

Modules (one concept each)
--------------------------
``claims``          contested-garment (Talmud) rule, CEA, CEL; the over-supply options
``book``            ``OrderBook``, ``Clearing`` and the checker of Definition 2's five conditions
``clearing``        the four mechanisms: random, greedy (compiled), maximum clearing with absolute
                    and with average prices (``scipy.optimize.linprog``)
``flow``            the max-flow reduction of Theorem 1 (budgets ignored), a cross-check of the LP
``crisis``          the ``Crisis`` record, the §5 instances, paper/code conventions
``simulation``      ``rollout``: E Crises at once, given every trader's actions
``metrics``         frustration and PoA_τ
``policies``        stochastic stationary (constant Gaussian) policies
``learning``        independent policy-gradient learners on ``mechanisms.repeated_play``
``exploitability``  NashConv by a best-response search with common random numbers
``reproduction``    ``spbe reproduce seed004-crisdis``

Paper definitions are the defaults; the authors' code's behaviour is available as documented
options (``crisis.CODE_CONVENTION``, ``eps_trade``, ``capacity_margin``, ``excess="equal_all"``).
See README.md in this folder.
"""
from .book import Clearing, MarketConditions, OrderBook, market_conditions
from .claims import (EXCESS_RULES, constrained_equal_awards, constrained_equal_losses,
                     contested_garment)
from .clearing import CLEARING_METHODS, TIE_BREAKS, clear
from .crisis import (CODE_CONVENTION, FAIRNESS, Crisis, code_population, make_crisis,
                     paper_population)
from .flow import maximum_clearing_flow
from .exploitability import ExploitabilityReport, exploitability
from .learning import Evaluation, LearningResult, evaluate_profile, learn_equilibrium
from .metrics import frustration, price_of_anarchy
from .policies import (action_dims, constant_actions, initial_profile, policy_means, policy_stds,
                       sample_actions)
from .simulation import BUYER_ACTIONS, SELLER_ACTIONS, Rollout, rollout

__all__ = [
    "Clearing", "MarketConditions", "OrderBook", "market_conditions", "EXCESS_RULES",
    "constrained_equal_awards", "constrained_equal_losses", "contested_garment",
    "CLEARING_METHODS", "TIE_BREAKS", "clear", "CODE_CONVENTION", "FAIRNESS", "Crisis",
    "code_population", "make_crisis", "paper_population", "maximum_clearing_flow",
    "ExploitabilityReport", "exploitability", "Evaluation", "LearningResult", "evaluate_profile",
    "learn_equilibrium", "frustration", "price_of_anarchy", "action_dims", "constant_actions",
    "initial_profile", "policy_means", "policy_stds", "sample_actions", "BUYER_ACTIONS",
    "SELLER_ACTIONS", "Rollout", "rollout",
]
