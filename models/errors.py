"""The project's error base class :class:`PlannerError`, and :class:`NetworkInputError`.

Exports ``PlannerError`` and ``NetworkInputError``. Every error the project raises for bad
input or a failed run derives from :class:`PlannerError`, so the app and the command line
catch that one class and show its message. ``NetworkInputError`` is the one error a
malformed network file raises. Raised by the INP reader (``models.inp_io``) and its
pre-validation pass (``models.inp_check_*``); caught by callers of ``load_network``
(pages, planning studies) to show the file, line and problem to the user.
"""

from __future__ import annotations

from pathlib import Path


class PlannerError(Exception):
    """Base of every error the planner reports to its user (bad input, failed run).

    Subclasses say where (file, line, key) and what is wrong in their message; the app and
    ``python -m planning`` show ``str(error)`` and never a traceback.
    """


class NetworkInputError(PlannerError):
    """A network file that cannot be read, with where and why.

    Parameters
    ----------
    path : str or pathlib.Path or None
        The file being read (None when the text did not come from a file).
    line : int or None
        1-based line number of the offending line, or None when the problem
        belongs to no single line (empty file, no water source, ...).
    section : str or None
        Section header of that line, e.g. ``"[PIPES]"``, or None.
    problem : str
        What is wrong, in words a network engineer can act on.

    Examples
    --------
    >>> str(NetworkInputError("net.inp", 42, "[PIPES]", "unknown node 'J9' in link 'P3'"))
    "net.inp, line 42 [PIPES]: unknown node 'J9' in link 'P3'"
    """

    def __init__(
        self,
        path: str | Path | None,
        line: int | None,
        section: str | None,
        problem: str,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.section = section
        self.problem = problem
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.path.name if self.path is not None else "<network text>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.section:
            where += f" {self.section}"
        return f"{where}: {self.problem}"

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self):
        # Default pickling would call cls(message): keep the four fields instead, so the
        # error survives a trip through a process pool (dask workers).
        return (type(self), (self.path, self.line, self.section, self.problem))
