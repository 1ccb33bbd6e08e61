"""The one error bad shutdown inputs raise: :class:`ShutdownInputError`.

Exports ``ShutdownInputError``. Raised by the valve-layer reader (``valves``), the
customer table reader (``customers``) and the job checks (``plan``); caught by pages to
show the source, row, field and problem to the user.
"""

from __future__ import annotations

from models.errors import PlannerError


class ShutdownInputError(PlannerError, ValueError):
    """A valve layer, customer table or job that names things the network lacks.

    Parameters
    ----------
    source : str
        What was being read: a file name, ``"valve layer"``, ``"job"``, ...
    row : int or str or None
        The row: a 1-based line number for CSV files (the header is line 1), the index
        label for tables, or None when the problem belongs to no single row.
    field : str or None
        The column / attribute at fault (``"link"``, ``"node"``, ``"pipe"``, ...).
    problem : str
        What is wrong, in words an engineer can act on.
    missing : tuple of str
        The names that were not found, when the problem is missing elements.

    Examples
    --------
    >>> str(ShutdownInputError("valves.csv", 5, "link", "no pipe 'P9' in the network"))
    "valves.csv, line 5, field 'link': no pipe 'P9' in the network"
    """

    def __init__(self, source: str, row, field: str | None, problem: str,
                 missing: tuple = ()) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.problem = problem
        self.missing = tuple(missing)
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.source
        if self.row is not None:
            label = "line" if str(self.source).lower().endswith(".csv") else "row"
            where += f", {label} {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.problem}"

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self):
        return (type(self), (self.source, self.row, self.field, self.problem, self.missing))
