"""Reference values from Chinese standards used by the capacity review.

Every value here is a *default*: the functions that use one take it as a parameter, so a user
can replace it. Confidence notes follow ``shared/docs/requirements.md``; values marked
"medium" must be checked against the standard's own text before a formal submission.

Exports
-------
EffluentLimits, CLASS_1A, CLASS_1B
    GB 18918-2002 Table 1 (basic control items) daily-mean effluent limits: COD, BOD5, SS,
    TN, NH3-N, TP (high confidence; TP split by construction year medium) and animal and
    vegetable oils, petroleum, anionic surfactants (LAS), colour, pH and faecal coliforms
    (medium-high: the values of Table 1 as widely quoted -- 1A oils 1, petroleum 1, LAS 0.5
    mg/L, colour 30 (dilution factor), pH 6-9, faecal coliforms 10^3 /L; 1B 3, 3, 1, 30,
    6-9, 10^4 -- not checked against the standard's own text in this project: defaults a
    user can change). Table 2 (heavy metals) and Table 3 (selective items) are not checked.
PEAKING_FACTOR_TABLE, peaking_factor
    GB 50014-2021 total peaking factor Kz against mean sewage flow (medium confidence).
RETURN_FACTOR_RANGE, DEFAULT_RETURN_FACTOR
    Sewage as a share of water use (GB 50014, 0.8-0.9, high confidence).
EFFLUENT_CLASSES, meets_class_1a_or_better
    Effluent class codes, ordered from strictest to loosest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CLASS_1A",
    "CLASS_1B",
    "DEFAULT_RETURN_FACTOR",
    "EFFLUENT_CLASSES",
    "EffluentLimits",
    "PEAKING_FACTOR_TABLE",
    "RETURN_FACTOR_RANGE",
    "SAMPLE_PARAMETERS",
    "SAMPLE_PH",
    "meets_class_1a_or_better",
    "peaking_factor",
]

#: Effluent class codes, strictest first. ``better_than_1A`` stands for any discharge standard
#: stricter than GB 18918-2002 Class 1A (e.g. local "quasi Class IV" permits).
EFFLUENT_CLASSES: tuple[str, ...] = ("better_than_1A", "1A", "1B", "2", "3")

#: Sample columns with an upper limit (mg/L; colour as a dilution factor, faecal coliforms
#: per litre), in the order of GB 18918-2002 Table 1. Each is optional in a sample.
SAMPLE_PARAMETERS: tuple[str, ...] = (
    "cod_mg_per_l",
    "bod5_mg_per_l",
    "ss_mg_per_l",
    "animal_veg_oils_mg_per_l",
    "petroleum_mg_per_l",
    "las_mg_per_l",
    "tn_mg_per_l",
    "nh3n_mg_per_l",
    "tp_mg_per_l",
    "colour_dilution",
    "faecal_coliforms_per_l",
)
#: Sample column of pH, checked against a range (``ph_min`` - ``ph_max``).
SAMPLE_PH = "ph"


def meets_class_1a_or_better(effluent_class: str) -> bool:
    """Whether a declared effluent class is GB 18918-2002 Class 1A or stricter."""
    return effluent_class in EFFLUENT_CLASSES[:2]


@dataclass(frozen=True)
class EffluentLimits:
    """Daily-mean effluent limits of one GB 18918-2002 class, all in mg/L.

    Parameters
    ----------
    cod_mg_per_l, bod5_mg_per_l, ss_mg_per_l, tn_mg_per_l : float
        Chemical and biochemical oxygen demand, suspended solids, total nitrogen.
    nh3n_mg_per_l : float
        Ammonia nitrogen when the water is warmer than ``cold_water_c``.
    nh3n_cold_mg_per_l : float
        Ammonia nitrogen when the water temperature is at or below ``cold_water_c``.
    tp_mg_per_l : float
        Total phosphorus for plants built from ``tp_cutover_year`` on.
    tp_before_cutover_mg_per_l : float
        Total phosphorus for plants built before ``tp_cutover_year``.
    cold_water_c : float
        Water temperature (deg C) at or below which the cold NH3-N limit applies.
    tp_cutover_year : int
        First construction year of the stricter TP limit (2006 in GB 18918-2002; medium
        confidence). The review uses a plant's first year in service as its construction year.
    animal_veg_oils_mg_per_l, petroleum_mg_per_l, las_mg_per_l : float, optional
        Animal and vegetable oils, petroleum, anionic surfactants (LAS); None: not checked.
    colour_dilution : float, optional
        Colour, dilution factor.
    faecal_coliforms_per_l : float, optional
        Faecal coliform bacteria, number per litre.
    ph_min, ph_max : float, optional
        pH range.
    """

    cod_mg_per_l: float
    bod5_mg_per_l: float
    ss_mg_per_l: float
    tn_mg_per_l: float
    nh3n_mg_per_l: float
    nh3n_cold_mg_per_l: float
    tp_mg_per_l: float
    tp_before_cutover_mg_per_l: float
    cold_water_c: float = 12.0
    tp_cutover_year: int = 2006
    animal_veg_oils_mg_per_l: float | None = None
    petroleum_mg_per_l: float | None = None
    las_mg_per_l: float | None = None
    colour_dilution: float | None = None
    faecal_coliforms_per_l: float | None = None
    ph_min: float | None = None
    ph_max: float | None = None


#: GB 18918-2002 Class 1A (high confidence; the TP split by construction year is medium).
CLASS_1A = EffluentLimits(
    cod_mg_per_l=50.0,
    bod5_mg_per_l=10.0,
    ss_mg_per_l=10.0,
    tn_mg_per_l=15.0,
    nh3n_mg_per_l=5.0,
    nh3n_cold_mg_per_l=8.0,
    tp_mg_per_l=0.5,
    tp_before_cutover_mg_per_l=1.0,
    animal_veg_oils_mg_per_l=1.0,
    petroleum_mg_per_l=1.0,
    las_mg_per_l=0.5,
    colour_dilution=30.0,
    faecal_coliforms_per_l=1e3,
    ph_min=6.0,
    ph_max=9.0,
)

#: GB 18918-2002 Class 1B (high confidence).
CLASS_1B = EffluentLimits(
    cod_mg_per_l=60.0,
    bod5_mg_per_l=20.0,
    ss_mg_per_l=20.0,
    tn_mg_per_l=20.0,
    nh3n_mg_per_l=8.0,
    nh3n_cold_mg_per_l=15.0,
    tp_mg_per_l=1.0,
    tp_before_cutover_mg_per_l=1.0,
    animal_veg_oils_mg_per_l=3.0,
    petroleum_mg_per_l=3.0,
    las_mg_per_l=1.0,
    colour_dilution=30.0,
    faecal_coliforms_per_l=1e4,
    ph_min=6.0,
    ph_max=9.0,
)

#: GB 50014-2021 total peaking factor Kz: (mean sewage flow in L/s, Kz) pairs; linear
#: interpolation between them, the end values beyond them. Medium confidence: a default.
PEAKING_FACTOR_TABLE: tuple[tuple[float, float], ...] = (
    (5.0, 2.7),
    (15.0, 2.4),
    (40.0, 2.1),
    (70.0, 2.0),
    (100.0, 1.9),
    (200.0, 1.8),
    (500.0, 1.6),
    (1000.0, 1.5),
)

#: Sewage as a share of water use (GB 50014; high confidence).
RETURN_FACTOR_RANGE: tuple[float, float] = (0.8, 0.9)
#: Mid-range default of :data:`RETURN_FACTOR_RANGE`.
DEFAULT_RETURN_FACTOR: float = 0.85


def peaking_factor(
    mean_flow_l_per_s: float | np.ndarray,
    table: tuple[tuple[float, float], ...] = PEAKING_FACTOR_TABLE,
) -> np.ndarray:
    """Total peaking factor Kz for a mean sewage flow.

    Parameters
    ----------
    mean_flow_l_per_s : float or array_like
        Mean daily sewage flow in L/s (1 L/s = 86.4 m³/d), excluding infiltration.
    table : tuple of (float, float)
        (flow in L/s, Kz) pairs with increasing flow. Defaults to GB 50014-2021 (medium
        confidence): 5/15/40/70/100/200/500/>=1000 L/s -> 2.7/2.4/2.1/2.0/1.9/1.8/1.6/1.5.

    Returns
    -------
    numpy.ndarray
        Kz (dimensionless), same shape as the input; 2.7 at or below 5 L/s, 1.5 at or above
        1000 L/s, linearly interpolated in between.

    Raises
    ------
    ValueError
        If a flow is negative or not finite, or the table's flows are not increasing.
    """
    q = np.asarray(mean_flow_l_per_s, dtype=float)
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise ValueError("mean sewage flow must be finite and non-negative (L/s)")
    flows = np.array([p[0] for p in table], dtype=float)
    factors = np.array([p[1] for p in table], dtype=float)
    if flows.size == 0 or np.any(np.diff(flows) <= 0):
        raise ValueError("peaking-factor table flows must be strictly increasing")
    return np.interp(q, flows, factors)
