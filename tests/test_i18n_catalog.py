"""Message catalogs: every user-visible msgid translated both ways, no English left outside
``_()`` in the pages, the runtime switch, formats, and Chinese in plots with the shipped font.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from app_pages import PAGES
from application.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    _,
    catalog_path,
    current_language,
    fmt_date,
    fmt_datetime,
    fmt_pressure,
    set_language,
    translations,
    use_language,
)
from application.i18n_catalog import (
    ALLOWED_LITERALS,
    ROOT,
    english_literals,
    extract_msgids,
    source_files,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"\{[^{}]*\}")
# What a msgid may hold without being English prose: fields, units, ids, symbols
NOT_PROSE = re.compile(r"\{[^{}]*\}|\b(?:R_BL|R_WL|CSV|GeoPackage|INP|YAML|EPANET|PRV|DN|"
                       r"MPa|CJJ|GB|CJ/T|C-Town|CC|BY|FAVAD|N-1)\b|[^A-Za-z]")


@pytest.fixture(scope="module")
def msgids() -> dict[str, list[str]]:
    return extract_msgids(source_files())


def _catalog(lang: str):
    with catalog_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def test_the_code_has_hundreds_of_msgids(msgids):
    assert len(msgids) > 300
    assert "Valves to close" in msgids and "Registered use Qa (m³/d)" in msgids


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_of_the_code_has_a_translation(msgids, lang):
    table = translations(lang)
    missing = [f"{m!r} ({where[0]})" for m, where in msgids.items() if not table.get(m)]
    assert not missing, f"{lang}: untranslated (run `make i18n`):\n" + "\n".join(missing)


def test_catalogs_hold_the_same_msgids_both_ways():
    zh = {m.id for m in _catalog("zh_CN") if m.id}
    en = {m.id for m in _catalog("en") if m.id}
    assert zh == en, (sorted(zh - en), sorted(en - zh))


def test_chinese_translations_keep_the_fields_and_are_chinese(msgids):
    table = translations("zh_CN")
    for msgid in msgids:
        text = table[msgid]
        assert sorted(FIELD.findall(text)) == sorted(FIELD.findall(msgid)), (msgid, text)
        text.format(**{f.strip("{}").split(":")[0].split("!")[0]: 1
                       for f in FIELD.findall(text)}) if "{" in text else None
        if re.search(r"[A-Za-z]{3,}", NOT_PROSE.sub(" ", msgid)):
            assert CJK.search(text), f"zh_CN translation of {msgid!r} has no Chinese: {text!r}"


def test_pages_pass_no_english_literal_to_streamlit():
    pages = sorted((ROOT / "app_pages").glob("*.py")) + [ROOT / "app.py"]
    assert not english_literals(pages, ALLOWED_LITERALS)


def test_the_scan_sees_an_unwrapped_label(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\nc1 = st\nst.button("Run it")\n'
                    'c1.metric(f"Lost {n} m", 1)\nst.caption(_("Wrapped text"))\n'
                    'st.session_state.get("some_key")\n', encoding="utf-8")
    found = english_literals([page])
    assert len(found) == 2 and "'Run it'" in found[0] and "Lost " in found[1]


def test_language_switch_and_context():
    import contextvars

    # a fresh context holds the default (other tests may have set this thread's language)
    assert contextvars.Context().run(current_language) == DEFAULT_LANGUAGE == "zh_CN"
    contextvars.Context().run(_check_switch)


def _check_switch():
    assert _("Valves to close") == "需关闭的阀门"
    assert _("Registered use Qa (m³/d)") == "注册用户用水量 Qa（m³/d）"
    assert _("Non-revenue water (%)") == "产销差率（%）"
    with use_language("en"):
        assert _("Valves to close") == "Valves to close"
    assert _("Valves to close") == "需关闭的阀门"
    assert _("a string no catalog has") == "a string no catalog has"
    with pytest.raises(ValueError, match="fr"):
        set_language("fr")


@pytest.fixture
def zh():
    with use_language("zh_CN"):
        yield


def test_dates_and_pressures_as_the_documents_write_them(zh):
    assert fmt_date(dt.date(2025, 7, 1)) == "2025年7月1日"
    assert fmt_datetime(dt.datetime(2025, 7, 1, 8, 0)) == "2025年7月1日 08:00"
    assert fmt_pressure(28.0) == "0.28 MPa (28.0 m)"
    assert fmt_pressure(14.0) == "0.14 MPa (14.0 m)"
    with use_language("en"):
        assert fmt_date(dt.date(2025, 7, 1)) == "1 July 2025"


def test_plots_render_chinese_with_the_shipped_font(tmp_path):
    from matplotlib import font_manager

    from application.plots import CJK_FONT_FAMILY, new_figure, register_cjk_font

    path = register_cjk_font()
    found = font_manager.findfont(font_manager.FontProperties(family=CJK_FONT_FAMILY),
                                  fallback_to_default=False)
    assert Path(found) == Path(path) and Path(path).exists()
    fig, ax = new_figure((3, 2), "zh")
    ax.set_title("平均用户停水时间 0.28 MPa（28.0 m）")
    ax.set_xlabel("综合漏损率 R_WL")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be a warning
        fig.savefig(tmp_path / "zh.png")
    assert (tmp_path / "zh.png").stat().st_size > 1000


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_renders_in_chinese(tmp_path, monkeypatch, spec):
    monkeypatch.setenv("PLANNER_STUDIES_DIR", str(tmp_path / "studies"))
    monkeypatch.setenv("PLANNER_LANGUAGE", "zh_CN")
    # AppTest formats widget options with the pages' format_func=_ in this thread: speak
    # the page's language here too
    with use_language("zh_CN"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page(spec.file).run()
        assert not at.exception, [e.value for e in at.exception]
        text = " ".join(e.value for e in (*at.title, *at.subheader, *at.caption))
        assert CJK.search(text), text
        assert CJK.search(at.title[0].value), at.title[0].value
        assert at.radio(key="language").value == "zh_CN"
    # (the switch to English is clicked in tests/test_e2e_browser.py: AppTest would format
    # the Chinese options with an English format_func here)
