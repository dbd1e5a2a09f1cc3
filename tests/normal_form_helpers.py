"""Helpers shared by the normal-form tests (``test_normal_form_oracle``, ``test_support_enumeration``,
``test_local_scan``, ``test_continue_rings``): a bimatrix game as a one-type, δ = 0
``DynamicGame``, asymmetric matching pennies, and equality of equilibrium sets."""
import numpy as np

import spbe


def normal_form(A, B, **kw):
    R = np.stack([A, B])[:, None, None, :, :]            # (agent, x1, x2, a1, a2), one type each
    return spbe.DynamicGame(R, types=[1, 1], actions=list(A.shape), delta=0.0, **kw)


# asymmetric matching pennies: the only equilibrium is agent 1 (3/5, 2/5), agent 2 (2/5, 3/5)
PENNIES_A = np.array([[2.0, -1.0], [-1.0, 1.0]])
PENNIES_B = -np.array([[1.0, -1.0], [-2.0, 1.0]])
PENNIES_EQ = np.array([[[0.6, 0.4]], [[0.4, 0.6]]])         # (agent, type, action)


def pennies():
    return normal_form(PENNIES_A, PENNIES_B)


def same_sets(x, y, atol=1e-8):
    """Two lists of profiles (x, y) hold the same equilibria (same count, each matched)."""
    if len(x) != len(y):
        return False
    return all(any(np.allclose(p, q, atol=atol) and np.allclose(r, s, atol=atol) for q, s in y)
               for p, r in x)
