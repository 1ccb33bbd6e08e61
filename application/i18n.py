"""Languages of the planner: one function, ``_``, for every user-visible string.

Every label, verdict, table header, legend, error message and document line that a person
reads goes through ``_(msgid)``, with the English text as the message id. The translation
comes from the message catalog of the current language (``application/locale/<lang>/
LC_MESSAGES/messages.po``, read with Babel at first use); a message with no translation is
shown as its English id. ``make i18n`` lists the msgids of the code that a catalog lacks
(:mod:`application.i18n_catalog`).

The current language is held in a context variable, so the app can set it per session
(``set_language`` at the top of each run) and document writers can take it as an argument
(``with use_language("en"): ...``). ``zh_CN`` (Simplified Chinese) is the default.

Strings with values use named fields, translated before formatting:
``_("{n} junctions below {p}").format(n=3, p=fmt_pressure(0.2))``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}
"""How each language names itself (the switch shows these, untranslated)."""
LOCALE_DIR = Path(__file__).parent / "locale"
"""``<lang>/LC_MESSAGES/messages.po`` per language."""

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "planner_language", default=DEFAULT_LANGUAGE)


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def set_language(lang: str) -> None:
    """Make ``lang`` (one of :data:`LANGUAGES`) the current language of this context."""
    _current.set(_check(lang))


def current_language() -> str:
    """The current language code (``zh_CN`` or ``en``)."""
    return _current.get()


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Run a block (e.g. writing a document) in ``lang``, then restore the language."""
    token = _current.set(_check(lang))
    try:
        yield
    finally:
        _current.reset(token)


def catalog_path(lang: str) -> Path:
    """The ``messages.po`` file of ``lang``."""
    return LOCALE_DIR / _check(lang) / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(lang: str) -> dict[str, str]:
    """msgid -> translation of ``lang`` (non-empty, non-fuzzy entries only), read once."""
    from babel.messages.pofile import read_po

    path = catalog_path(lang)
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {m.id: m.string for m in catalog
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def _(msgid: str) -> str:
    """``msgid`` (English) in the current language; the msgid itself where no translation."""
    return translations(_current.get()).get(msgid, msgid)


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalog without translating it now (module constants).

    Translate it where it is shown, with ``_(value)``.
    """
    return msgid


def fmt_date(day: dt.date) -> str:
    """A date as the current language writes it: ``2025年7月1日`` or ``1 July 2025``."""
    if current_language() == "zh_CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def fmt_datetime(when: dt.datetime) -> str:
    """Date and time: ``2025年7月1日 08:00`` or ``1 July 2025 08:00``."""
    return f"{fmt_date(when.date())} {when:%H:%M}"


def fmt_pressure(head_m: float) -> str:
    """A pressure head as MPa with the metres beside it: ``0.28 MPa (28.0 m)``.

    1 MPa of water is taken as 100 m of head (the rounding the Chinese codes use,
    e.g. 0.14 MPa for 14 m; GB 50013 服务水头).
    """
    return f"{head_m / 100.0:.2f} MPa ({head_m:.1f} m)"
