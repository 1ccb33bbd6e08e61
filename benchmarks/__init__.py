"""Accuracy and speed benchmarks: reference runners and synthetic networks.

Scripts here print ratios against a reference measured in the same run; machines are shared and
noisy, so no absolute-time claims. ``reference`` holds the EPANET 2.2 / 2.3 and WNTR runners,
``synthetic_network`` the large generated network.
"""
