"""Suite games on which the default solve is an equilibrium of the game (``benchmarks/game_suite.py``).

The suite measures how often the default solve reaches the goal (``eq.success``: game-level
epsilon per round at most 1e-2, its 99th percentile at most 1e-3, Monte-Carlo value error at
most 1e-3, in units of the largest reward). These tests pin games where it does, one per
discount factor, so that a change of the solver or the verification that loses them is seen;
``docs/offgrid-mechanism.md`` explains the games where it does not.
"""
import sys
from pathlib import Path

import pytest

import spbe

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from game_suite import random_game  # noqa: E402


def _check(eq):
    v = eq.verification
    scale = v["reward_scale"]
    assert eq.converged
    assert v["epsilon_per_round"] <= 1e-2 * scale
    assert v["gain_per_round"]["p99"] <= 1e-3 * scale
    assert v["value_error_per_round"] <= 1e-3 * scale
    assert eq.success


def test_one_dimensional_markov_game_is_an_equilibrium_at_delta_095():
    """``random-single-type-1``: agent 2 has one type, agent 1's types are Markov; the solution
    separates at every belief, so no chosen belief meets a regime boundary (11 points)."""
    game = random_game(2001, markov=True, single_type=True, delta=0.95)
    eq = spbe.solve(game, grid=11)
    _check(eq)


@pytest.mark.slow
@pytest.mark.parametrize("delta", [0.5, 0.8, 0.95])
def test_random_markov_game_reaches_the_goal_at_every_delta(delta):
    """``random-markov-7`` of the suite (two agents, two Markov types each) on 21 × 21."""
    eq = spbe.solve(random_game(1007, markov=True, delta=delta), grid=21)
    _check(eq)
