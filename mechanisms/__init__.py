"""Mechanisms built on spbe's kernels (thesis ch. 1-5 and the market seed papers).

Empty for now: the Nash-implementation, learning, fair-allocation and market mechanisms
arrive with their own issues and reuse ``spbe``'s beliefs, expectations and case enumeration.
"""
