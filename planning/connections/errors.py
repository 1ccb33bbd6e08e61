"""The one error type of ``planning.connections``: bad input, named by field (and row).

Exports :class:`ConnectionInputError`. Raised by :mod:`.application` (a bad application),
:mod:`.tap` (a location outside the network, an unknown node), :mod:`.ledger` (a bad change)
and :mod:`.batch` (a bad CSV row). Whatever raises it has changed nothing: no model, no
ledger row.
"""

from __future__ import annotations

from models.errors import PlannerError


class ConnectionInputError(PlannerError, ValueError):
    """An application, a ledger change or a batch row is invalid.

    Parameters
    ----------
    field : str
        The input field at fault (``"meter_dn"``, ``"demand_l_s"``, ``"location"``, ...).
    message : str
        What is wrong and what is accepted.
    row : int, optional
        1-based data row of a batch CSV (the header is row 0), when the input came from one.
    application_id : str, optional
        The application concerned, when known.

    Attributes
    ----------
    field, row, application_id, message
        As given; ``str(error)`` puts them together, e.g.
        ``"row 3, field 'meter_dn': DN 45 is not a standard meter size (15, 20, ...)"``.
    """

    def __init__(self, field: str, message: str, *, row: int | None = None,
                 application_id: str | None = None):
        self.field = field
        self.message = message
        self.row = row
        self.application_id = application_id
        where = f"field {field!r}"
        if application_id:
            where = f"application {application_id!r}, {where}"
        if row is not None:
            where = f"row {row}, {where}"
        super().__init__(f"{where}: {message}")

    def at_row(self, row: int) -> ConnectionInputError:
        """The same error, located at a batch row."""
        return ConnectionInputError(self.field, self.message, row=row,
                                    application_id=self.application_id)
