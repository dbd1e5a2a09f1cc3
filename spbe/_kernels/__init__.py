"""Numba kernels of the SPBE core.

These modules import numba at module level; the public modules import them lazily
(inside functions) so that ``import spbe`` stays light. Every kernel takes plain arrays
and scalars only, is compiled on first call with ``cache=True``, and has a pure-numpy
reference beside its public wrapper that the tests compare it with.
"""
