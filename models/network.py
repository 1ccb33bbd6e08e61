"""The editable network: a WNTR model plus what WNTR 1.5 does not hold.

Exports ``Network`` and ``empty_leakage_table``. Built by ``models.load_network``
(or ``Network.from_wn`` for a model made in code); read by ``simulation`` (compile
step) and ``planning``; written back by ``models.write_inp``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import wntr

LEAKAGE_COLUMNS = ("leak_area_mm2_per_100m", "leak_expansion_mm2_per_m")


def wntr_model(net) -> wntr.network.WaterNetworkModel:
    """The WNTR model of ``net``: the project's one accessor for "Network or WNTR model".

    Parameters
    ----------
    net : models.Network or wntr.network.WaterNetworkModel
        Or any object with a ``.wn`` WaterNetworkModel.

    Returns
    -------
    wntr.network.WaterNetworkModel

    Raises
    ------
    TypeError
        If ``net`` is neither.
    """
    if isinstance(net, wntr.network.WaterNetworkModel):
        return net
    wn = getattr(net, "wn", None)
    if isinstance(wn, wntr.network.WaterNetworkModel):
        return wn
    raise TypeError(
        f"expected a wntr WaterNetworkModel or an object with a .wn attribute, got {type(net)!r}"
    )


def empty_leakage_table() -> pd.DataFrame:
    """An empty pipe-leakage table with the right index name, columns and dtypes.

    Returns
    -------
    pandas.DataFrame
        No rows; index ``pipe`` (str); float columns ``leak_area_mm2_per_100m`` and
        ``leak_expansion_mm2_per_m`` (see :class:`Network` for their meaning).
    """
    table = pd.DataFrame(
        {name: pd.Series(dtype="float64") for name in LEAKAGE_COLUMNS},
        index=pd.Index([], dtype="object", name="pipe"),
    )
    return table


class Network:
    """A water network: the WNTR model plus EPANET 2.3 pipe leakage.

    Attributes
    ----------
    wn : wntr.network.WaterNetworkModel
        The model, in WNTR's SI units (m, m^3/s, ...). A network read by the fast reader
        (``models.load_network``) builds it on first use (seconds for a city model);
        until then ``arrays`` holds the network and the solver compiles from it.
    path : pathlib.Path or None
        The INP file it was read from, or None for a model built in code.
    pipe_leakage : pandas.DataFrame
        EPANET 2.3 ``[LEAKAGE]`` (FAVAD) parameters, one row per leaky pipe, indexed by
        pipe name (index name ``pipe``). Pipes without a row do not leak. Columns:

        ``leak_area_mm2_per_100m``
            Total crack area at zero pressure, mm^2 per 100 m of pipe.
        ``leak_expansion_mm2_per_m``
            Growth of that area with pressure head, mm^2 per metre of head, per 100 m
            of pipe (EPANET's FAVAD ``m``).

        The leak flow of a pipe of length L_m at pressure head H_m (EPANET 2.3) is
        ``Q_m3_per_s = 0.6 * sqrt(2 g) * (L_m / 100) * (area + expansion * H_m) * 1e-6
        * sqrt(H_m)``, split half to each end junction.

        In US-unit INP files (CFS, GPM, MGD, IMGD, AFD) EPANET 2.3.5 reads both values
        per 100 *ft* of pipe (the expansion is per metre of head in every unit system),
        so on reading both are multiplied by 1 / 0.3048 (and divided by it on writing);
        SI files are taken as they are.
    warnings : list of str
        Things the reader accepted but the user should know (lines EPANET ignores,
        options WNTR does not support, WNTR's own warnings).
    arrays : models.inp_fast.InpArrays or None
        The fast reader's arrays while ``wn`` has not been built (None after: the model
        may then be edited, so only it describes the network).
    """

    def __init__(
        self,
        wn: wntr.network.WaterNetworkModel | None = None,
        path: Path | None = None,
        pipe_leakage: pd.DataFrame | None = None,
        warnings: list[str] | None = None,
        *,
        arrays=None,
        build_wn=None,
    ) -> None:
        if wn is None and arrays is None:
            raise ValueError("a Network needs a WNTR model (or the fast reader's arrays)")
        if wn is None and build_wn is None:
            raise ValueError("a Network read as arrays needs the function that builds its model")
        self._wn = wn
        self._arrays = None if wn is not None else arrays
        # The reader passes its own model builder, so this module imports no reader.
        self._build_wn = None if wn is not None else build_wn
        self.path = path
        self.pipe_leakage = empty_leakage_table() if pipe_leakage is None else pipe_leakage
        self.warnings = [] if warnings is None else warnings

    @property
    def wn(self) -> wntr.network.WaterNetworkModel:
        if self._wn is None:
            self._wn = self._build_wn(self._arrays.text, self.path)
            self._arrays = None
            self._build_wn = None
        return self._wn

    @wn.setter
    def wn(self, model: wntr.network.WaterNetworkModel) -> None:
        self._wn = model
        self._arrays = None
        self._build_wn = None

    @property
    def arrays(self):
        """The fast reader's arrays, or None once the WNTR model exists."""
        return self._arrays

    @property
    def name(self) -> str:
        """The model's name (its file path for a network read from a file)."""
        if self._wn is None:
            return str(self.path) if self.path is not None else ""
        return self._wn.name or ""

    @property
    def options(self):
        """The model's options (WNTR ``Options``) without building an unbuilt model.

        Read only: edit ``wn.options`` to change them.
        """
        if self._wn is None:
            return self._arrays.skeleton.options
        return self._wn.options

    def __repr__(self) -> str:
        state = "WNTR model" if self._wn is not None else "arrays, WNTR model not built"
        return f"Network(path={self.path!r}, {state}, {len(self.pipe_leakage)} leaky pipes)"

    @classmethod
    def from_wn(
        cls,
        wn: wntr.network.WaterNetworkModel,
        pipe_leakage: pd.DataFrame | None = None,
    ) -> Network:
        """Wrap a WNTR model built in code (no file, no warnings).

        Parameters
        ----------
        wn : wntr.network.WaterNetworkModel
            The model; it is used as is, not copied.
        pipe_leakage : pandas.DataFrame, optional
            Leakage table with the columns described on :class:`Network`; empty if
            omitted.

        Returns
        -------
        Network
        """
        table = empty_leakage_table() if pipe_leakage is None else pipe_leakage
        return cls(wn=wn, path=None, pipe_leakage=table, warnings=[])

    def copy(self) -> Network:
        """A deep copy that can be edited without touching this network.

        Returns
        -------
        Network
            New model (or the same read-only arrays, the model still unbuilt), new
            leakage table, new warnings list; same ``path``.
        """
        return Network(
            wn=copy.deepcopy(self._wn) if self._wn is not None else None,
            path=self.path,
            pipe_leakage=self.pipe_leakage.copy(deep=True),
            warnings=list(self.warnings),
            arrays=self._arrays,
            build_wn=self._build_wn,
        )
