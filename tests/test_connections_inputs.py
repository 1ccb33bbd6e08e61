"""Bad applications: a ConnectionInputError naming the field (and the row), ledger unchanged."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.networks import network_path
from gis import kunming_placement
from models import load_network
from planning.connections import (
    STANDARD_METER_DN,
    Application,
    ConnectionInputError,
    ConnectionStudy,
    Ledger,
    assess_batch,
    read_applications,
)


@pytest.fixture(scope="module")
def net3():
    return load_network(network_path("Net3"))


@pytest.fixture(scope="module")
def placement(net3):
    return kunming_placement(net3, scale_m_per_unit=100.0)  # Net3 is drawn ~40 units wide


@pytest.fixture(scope="module")
def study(net3, placement):
    return ConnectionStudy(net3, placement=placement)


@pytest.fixture(scope="module")
def near(net3, placement):
    """A point 40 m from junction 123, in the placement's CRS."""
    xy = placement.to_target(np.asarray(net3.wn.get_node("123").coordinates))[0]
    return float(xy[0] + 30.0), float(xy[1] - 25.0)


def good(**kw):
    base = dict(application_id="OK-1", demand_l_s=1.0, node="123", meter_dn=25, storeys=2)
    base.update(kw)
    return base


@pytest.mark.parametrize("kw, field", [
    (dict(demand_l_s=-1.0), "demand_l_s"),
    (dict(demand_l_s=0.0), "demand_l_s"),
    (dict(demand_l_s=float("nan")), "demand_l_s"),
    (dict(demand_l_s=5000.0), "demand_l_s"),                 # absurd: 5 m3/s
    (dict(demand_l_s=None, demand_m3_d=1e6), "demand_m3_d"),  # absurd
    (dict(demand_l_s=1.0, demand_m3_d=86.4), "demand_l_s"),   # both given
    (dict(meter_dn=45), "meter_dn"),
    (dict(meter_dn=0), "meter_dn"),
    (dict(meter_dn="DN40"), "meter_dn"),
    (dict(storeys=0), "storeys"),
    (dict(storeys=-2), "storeys"),
    (dict(storeys=2.5), "storeys"),
    (dict(customer_class="farm"), "customer_class"),
    (dict(application_id="has space"), "application_id"),
    (dict(node=None), "location"),                              # neither node nor location
    (dict(x_m=1.0, y_m=2.0), "location"),                       # both node and location
    (dict(node=None, x_m=1.0), "location"),                     # half a location
    (dict(pattern=(1.0, -1.0)), "pattern"),
    (dict(pattern=(1.0,) * 7), "pattern"),                      # 7 does not divide 24 h
    (dict(required_head_m=-3.0), "required_head_m"),
    (dict(low_risk="maybe"), "low_risk"),
])
def test_bad_fields_name_the_field(kw, field):
    ledger = Ledger(":memory:")
    ledger.add(Application(**good(application_id="FIRST")))
    with pytest.raises(ConnectionInputError) as e:
        ledger.add(Application(**good(**kw)))
    assert e.value.field == field
    assert field in str(e.value)
    assert len(ledger) == 1 and ledger.revision == 1  # unchanged


def test_bad_against_the_network(study, near):
    with pytest.raises(ConnectionInputError) as e:
        study.check(Application(**good(node="J-unknown")))
    assert e.value.field == "node"
    with pytest.raises(ConnectionInputError) as e:
        study.check(Application(**good(node="River")))
    assert e.value.field == "node" and "reservoir" in e.value.message
    far = Application(**good(node=None, x_m=near[0] + 1e6, y_m=near[1]))
    with pytest.raises(ConnectionInputError) as e:
        study.check(far)
    assert e.value.field == "location" and "outside" in e.value.message
    with pytest.raises(ConnectionInputError) as e:
        study.assess(far)
    assert e.value.field == "location"
    huge_meter = Application(**good(node=None, x_m=near[0], y_m=near[1], meter_dn=300,
                                    demand_l_s=10.0))
    # Net3 has mains of DN300 (12 in): this one is fine
    assert study.check(huge_meter).main is not None


def test_bad_application_leaves_ledger_unchanged(study, near, tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    ledger.add(Application(**good()), at=dt.datetime(2025, 3, 3, 9))
    rev, rows = ledger.revision, len(ledger)
    bad_calls = [
        lambda: ledger.add(Application(**good(application_id="OK-1"))),      # duplicate
        lambda: ledger.add(Application(**good(application_id="B-2", node="nope")), check=study),
        lambda: ledger.add(Application(**good(application_id="B-3", node=None,
                                              x_m=near[0] - 1e6, y_m=near[1])), check=study),
        lambda: ledger.add("not an application"),
        lambda: ledger.approve("missing"),
        lambda: ledger.connect("OK-1"),                          # not approved yet
        lambda: ledger.approve("OK-1", at=dt.datetime(2025, 3, 1)),  # before receipt
        lambda: ledger.add_many([Application(**good(application_id="B-4")),
                                 Application(**good(application_id="B-4"))]),
    ]
    for call in bad_calls:
        with pytest.raises(ConnectionInputError):
            call()
        assert (ledger.revision, len(ledger)) == (rev, rows)
    assert ledger.status("OK-1") == "received"
    assert len(ledger.events()) == 1


CSV = """application_id,demand_l_s,demand_m3_d,customer_class,node,x_m,y_m,meter_dn,storeys,low_risk
G-1,1.0,,residential,123,,,25,3,no
B-1,-2,,residential,123,,,25,3,no
G-2,,86.4,commercial,123,,,40,2,yes
B-2,1.0,,residential,nowhere,,,25,3,no
B-3,1.0,,residential,123,,,33,3,no
B-4,1.0,,residential,123,,,25,0,no
B-5,1.0,,residential,,{far_x},{far_y},25,1,no
G-1,1.0,,residential,123,,,25,3,no
"""


def test_batch_reports_rows_and_fields(net3, placement, near, tmp_path):
    text = CSV.format(far_x=near[0] + 1e6, far_y=near[1])
    ledger = Ledger(tmp_path / "batch.sqlite")
    result = assess_batch(net3, text, ledger=ledger, placement=placement, record=True)
    assert list(result.summary.index) == ["G-1", "G-2"]
    errors = result.errors.set_index("row")
    assert errors.loc[2, "field"] == "demand_l_s"
    assert errors.loc[4, "field"] == "node"
    assert errors.loc[5, "field"] == "meter_dn"
    assert errors.loc[6, "field"] == "storeys"
    assert errors.loc[7, "field"] == "location"
    assert errors.loc[8, "field"] == "application_id"   # duplicate of row 1
    assert sorted(result.recorded) == ["G-1", "G-2"]
    assert sorted(ledger.list().index) == ["G-1", "G-2"]


def test_strict_batch_rejects_everything(net3, placement, near, tmp_path):
    text = CSV.format(far_x=near[0] + 1e6, far_y=near[1])
    ledger = Ledger(tmp_path / "strict.sqlite")
    with pytest.raises(ConnectionInputError) as e:
        assess_batch(net3, text, ledger=ledger, placement=placement, strict=True, record=True)
    assert e.value.row == 2 and e.value.field == "demand_l_s"
    assert "row 2" in str(e.value) and "batch rejected" in str(e.value)
    assert len(ledger) == 0 and ledger.revision == 0


def test_batch_header_and_file_errors(tmp_path):
    with pytest.raises(ConnectionInputError) as e:
        read_applications("application_id,demand_lps\nA,1\n")
    assert e.value.row == 0 and e.value.field == "demand_lps"
    path = tmp_path / "apps.csv"
    path.write_text("application_id,demand_l_s,node\nA,1,123\n", encoding="utf-8")
    good_rows, bad_rows = read_applications(path)
    assert [a.application_id for _, a in good_rows] == ["A"] and not bad_rows


_FIELDS = sorted(Application.__dataclass_fields__)
_VALUES = st.one_of(st.none(), st.text(max_size=12), st.floats(allow_nan=True),
                    st.integers(-10**6, 10**6), st.booleans())


@settings(max_examples=200, deadline=None)
@given(record=st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=8))
def test_any_record_is_an_application_or_a_named_error(record):
    try:
        app = Application.from_record(record, row=7)
    except ConnectionInputError as e:
        assert e.row == 7 and e.field
    else:
        assert app.demand_m3s > 0 and app.meter_dn in STANDARD_METER_DN and app.storeys >= 1
