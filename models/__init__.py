"""The editable network and its EPANET INP input/output.

Public API:

- :class:`Network` -- a WNTR ``WaterNetworkModel`` plus EPANET 2.3 pipe leakage
  (``pipe_leakage``) and reader warnings; ``Network.from_wn``, ``Network.copy``.
- :func:`load_network` -- read an EPANET 2.2/2.3 INP file; every malformed file raises
  :class:`NetworkInputError` naming the file, the line and the problem. The fast reader
  (``models.inp_fast``) keeps junctions, pipes and demands as arrays (``Network.arrays``,
  compiled by ``simulation.compile_model``) and builds ``Network.wn`` on first use.
- :func:`write_inp` -- write a network back (atomically), leakage included.
- :class:`NetworkInputError`
- :func:`replacing`, :func:`write_atomic`, :func:`write_bytes_atomic` -- all-or-nothing
  file writes (temporary file + ``os.replace``) used by every writer of the project.
- :func:`safe_frame`, :func:`csv_bytes`, :func:`write_csv`, :func:`write_xlsx` -- tables for
  spreadsheets, with formula-like text cells neutralised (every CSV/XLSX export uses them).
"""

from models.atomic import replacing, write_atomic, write_bytes_atomic
from models.errors import NetworkInputError, PlannerError
from models.inp_io import load_network, write_inp
from models.network import Network, wntr_model
from models.safe_export import csv_bytes, safe_frame, write_csv, write_xlsx

__all__ = [
    "Network",
    "NetworkInputError",
    "PlannerError",
    "csv_bytes",
    "load_network",
    "replacing",
    "safe_frame",
    "write_atomic",
    "write_bytes_atomic",
    "write_csv",
    "write_inp",
    "write_xlsx",
    "wntr_model",
]
