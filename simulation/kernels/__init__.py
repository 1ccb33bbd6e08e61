"""Numba kernels of the hydraulic core (nopython, cache=True, plain arrays only)."""
