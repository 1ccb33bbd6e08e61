"""Test-session set-up.

owa-epanet's SWIG module links ``libepanet2.so`` by name, and WNTR's bundled EPANET 2.2
library has the same name: whichever loads first wins. Import owa-epanet first so that both
EPANET 2.3 (reference for leakage) and EPANET 2.2 (through WNTR) work in one process.
"""

import os  # noqa: E402

import epanet.toolkit  # noqa: F401  (load order matters, see above)

# The app's default language is Simplified Chinese; the page tests that read English text
# ask for English (tests/test_i18n_*.py and the browser test switch languages themselves).
os.environ.setdefault("PLANNER_LANGUAGE", "en")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _language_of_the_tests():
    """The test thread speaks the pages' language too (AppTest formats widget options with
    the page's ``format_func=_`` in this thread)."""
    from application.i18n import use_language

    with use_language(os.environ["PLANNER_LANGUAGE"]):
        yield


@pytest.fixture(scope="module")
def leaky_net3():
    """Net3 over 2 days with uniform FAVAD leakage (5 mm2 per 100 m, 0.05 mm2/m per 100 m)."""
    import models
    from benchmarks.networks import network_path
    from planning.leakage import uniform_leakage

    net = models.load_network(network_path("Net3"))
    net.wn.options.time.duration = 2 * 86400
    return uniform_leakage(net, 5.0, 0.05)


@pytest.fixture(scope="module")
def leaky_run3(leaky_net3):
    """The extended-period run of ``leaky_net3``."""
    from simulation import NumbaSimulator

    return NumbaSimulator(leaky_net3).run_sim()
