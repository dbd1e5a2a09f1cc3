"""Fair allocation with taxes (A. Sinha, PhD thesis 2017, chapter 5; arXiv:1504.05670).

A designer allocates by x̂_ε(θ) = argmax_{x ∈ 𝒳} Σ_i g_ε(v(x_i; θ_i)) (- C(Σx)), g_ε(z) = z - ε z²
(5.3)/(5.4), fairer than the sum of utilities for ε > 0, and needs taxes that make truth-telling
an equilibrium.

Modules (one concept each, in the thesis's order)
-------------------------------------------------
``allocation``           the allocation rule (5.4) and the two examples (§2.1/§7 smart grid, §6 linear)
``metrics``              Gini (population / unbiased), σ, σ/μ
``vcg``                  the SoU baseline: Clarke-pivot VCG taxes (Table 2)
``dominant``             §3: Lemma 9.1 cells Φ, (A1), ε̃_max, DSIC + IR taxes, brute-force checks
``bayesian``             §4: H(ε), ε_max, condition (B), BSIC (+SBB, AGV) taxes by LP, checks;
                         §7 count form
``full_implementation``  §5: the augmented mechanism (5.16), δ and B, pure-BNE enumeration,
                         the induced game through spbe.stage_equilibria
``reproductions``        ``spbe reproduce ch5-table2 | ch5-fig16 | ... | ch5-fig19``

Known thesis errata handled here: (5.20) is off by one; the exact DSIC threshold of §6 is
ε̃_max = N / (2(θ_H + θ_L)) (:func:`linear_capacity_dsic_bound`). See README.md in this folder.
"""
from .allocation import (AllocationProblem, LinearValuation, SaturatingQuadraticValuation, Valuation,
                         allocation_by_count, allocation_table, fair_allocation, fairness_transform,
                         linear_capacity_closed_form, linear_capacity_problem, smart_grid_problem)
from .bayesian import (BSICReport, BSICTaxes, H_of_epsilon, agv_taxes, bayesian_epsilon_max,
                       bsic_cycle_weights, bsic_rhs, bsic_taxes, check_bsic, condition_b,
                       expected_welfare_gains, smart_grid_bayes_terms, smart_grid_canonical_taxes,
                       smart_grid_tax_lp)
from .dominant import (DSICReport, DSICTaxes, check_dsic, check_dsic_by_count, condition_a1_gaps,
                       dsic_cells, dsic_cells_by_count, dsic_epsilon_max, dsic_taxes,
                       dsic_taxes_by_count, linear_capacity_dsic_bound, thesis_eq_5_20)
from .full_implementation import (AugmentedMechanism, augmentation_constants,
                                  direct_mechanism_equilibria, direct_mechanism_game,
                                  pure_bayesian_equilibria, pure_direct_equilibria)
from .metrics import coefficient_of_variation, gini, std, two_valued_gini
from .vcg import vcg_taxes, vcg_taxes_by_count

__all__ = [
    "AllocationProblem", "LinearValuation", "SaturatingQuadraticValuation", "Valuation",
    "allocation_by_count", "allocation_table", "fair_allocation", "fairness_transform",
    "linear_capacity_closed_form", "linear_capacity_problem", "smart_grid_problem", "BSICReport",
    "BSICTaxes", "H_of_epsilon", "agv_taxes", "bayesian_epsilon_max", "bsic_cycle_weights",
    "bsic_rhs", "bsic_taxes", "check_bsic", "condition_b", "expected_welfare_gains",
    "smart_grid_bayes_terms", "smart_grid_canonical_taxes", "smart_grid_tax_lp", "DSICReport",
    "DSICTaxes", "check_dsic", "check_dsic_by_count", "condition_a1_gaps", "dsic_cells",
    "dsic_cells_by_count", "dsic_epsilon_max", "dsic_taxes", "dsic_taxes_by_count",
    "linear_capacity_dsic_bound", "thesis_eq_5_20", "AugmentedMechanism", "augmentation_constants",
    "direct_mechanism_equilibria", "direct_mechanism_game", "pure_bayesian_equilibria",
    "pure_direct_equilibria", "coefficient_of_variation", "gini", "std", "two_valued_gini",
    "vcg_taxes", "vcg_taxes_by_count",
]
