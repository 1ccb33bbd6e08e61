"""Integer codes of the solver's state that planning code may read (EPANET 2.2 values).

:attr:`SteadyStateSolver.base_state` ``.status`` holds one link status code per link:

========== ===== ============================================================
code       value meaning
========== ===== ============================================================
XHEAD      0     pump closed: cannot deliver the head
TEMPCLOSED 1     temporarily closed (check valve, tank full or empty)
CLOSED     2     closed; a link is closed when ``status <= CLOSED``
OPEN       3     open
ACTIVE     4     control valve regulating
XFLOW      5     pump open, flow beyond its curve
XFCV       6     flow control valve open, cannot deliver its flow
XPRESSURE  7     pressure valve open, cannot deliver its pressure
========== ===== ============================================================
"""

from .kernels.constants import ACTIVE, CLOSED, OPEN, TEMPCLOSED, XFCV, XFLOW, XHEAD, XPRESSURE

__all__ = ["XHEAD", "TEMPCLOSED", "CLOSED", "OPEN", "ACTIVE", "XFLOW", "XFCV", "XPRESSURE"]
