"""The message catalogs' upkeep: extract msgids from the code, update the ``.po`` files.

``make i18n`` (``python -m application.i18n_catalog``) parses every ``.py`` file of the
pages and the application layer, collects the literal argument of each ``_("...")`` and
``N_("...")`` call, adds the ones a catalog lacks (empty translation, so the completeness
test names them), and prints the msgids still untranslated per language. The English
catalog translates each msgid to itself unless it says otherwise.

:func:`english_literals` finds the other direction: string literals with English words
passed straight to a Streamlit call in the pages (a label someone forgot to wrap).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from application.i18n import LANGUAGES, catalog_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app.py", "app_pages", "application")
"""Where user-visible strings live (files and folders under the repository root)."""
MARKERS = ("_", "N_")


def source_files(root: Path = ROOT) -> list[Path]:
    """Every ``.py`` file under :data:`SOURCES`."""
    out: list[Path] = []
    for name in SOURCES:
        path = root / name
        out.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return out


def extract_msgids(files: Iterable[Path]) -> dict[str, list[str]]:
    """msgid -> ``["file:line", ...]`` of every ``_("literal")`` / ``N_("literal")`` call.

    Raises
    ------
    ValueError
        A marker called with something other than one string literal (the catalog could
        not hold it), named by file and line.
    """
    found: dict[str, list[str]] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in MARKERS):
                continue
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}"
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) \
                    or not isinstance(node.args[0].value, str):
                if node.func.id == "_" and node.args and not isinstance(node.args[0], ast.Constant):
                    continue  # _(variable): the value was marked with N_ where it was defined
                raise ValueError(f"{where}: {node.func.id}() needs one string literal")
            found.setdefault(node.args[0].value, []).append(where)
    return found


ALLOWED_LITERALS = frozenset((
    "lang",                      # st.query_params.get("lang"): a URL parameter name
    "语言 / Language",            # the switch's own label, bilingual on purpose
    '<div class="map-legend" style="font-size:0.85rem"><b>', "</div>",  # legend HTML
))
"""Literals in ``st.*`` calls of the pages that are not text for a person to read."""
_WORD = re.compile(r"[A-Za-z]{3,}")
ST_TEXT_KEYWORDS = ("label", "help", "placeholder", "caption", "body", "title", "value")


def english_literals(files: Iterable[Path], allow: Iterable[str] = ()) -> list[str]:
    """``file:line: text`` of English literals passed directly to a ``st.*`` call.

    Looks at the positional arguments and the text keywords (:data:`ST_TEXT_KEYWORDS`) of
    every call whose function is an attribute of ``st`` (``st.button``, ``st.sidebar.x``,
    ``col.metric`` is not seen: pages pass such text through the same ``_``). Plain
    literals and the literal parts of f-strings count; ``_("...")`` arguments do not.
    """
    allowed = set(allow)
    out: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _is_st(node.func)):
                continue
            args = list(node.args) + [k.value for k in node.keywords
                                      if k.arg in ST_TEXT_KEYWORDS]
            for arg in args:
                for text in _literal_parts(arg):
                    if _WORD.search(text) and text not in allowed:
                        out.append(f"{path.name}:{arg.lineno}: {text!r}")
    return out


TEXT_HELPERS = ("csv_button",)
"""Page helpers whose first argument is a label (besides the ``st.*`` calls)."""


WIDGETS = frozenset((
    "button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "number_input",
    "text_input", "text_area", "date_input", "time_input", "slider", "select_slider",
    "metric", "caption", "markdown", "write", "subheader", "header", "title", "info",
    "warning", "error", "success", "expander", "download_button", "file_uploader",
    "form_submit_button", "popover", "tabs", "toast", "spinner", "status"))
"""Streamlit calls that show their text arguments, whatever object they are called on
(``st.x``, a column ``c1.x``, ``st.sidebar.x``)."""


def _is_st(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in TEXT_HELPERS
    if isinstance(func, ast.Attribute) and func.attr in WIDGETS:
        return True
    while isinstance(func, ast.Attribute):
        if func.attr in ("session_state", "query_params"):
            return False  # keys, not text
        func = func.value
        if isinstance(func, ast.Name) and func.id == "st":
            return True
    return False


def _literal_parts(arg: ast.expr) -> list[str]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.JoinedStr):
        return [v.value for v in arg.values if isinstance(v, ast.Constant)]
    if isinstance(arg, (ast.List, ast.Tuple)):
        return [t for elt in arg.elts for t in _literal_parts(elt)]
    if isinstance(arg, ast.BinOp):
        return _literal_parts(arg.left) + _literal_parts(arg.right)
    return []


def update_catalogs(msgids: dict[str, list[str]]) -> dict[str, list[str]]:
    """Add missing msgids to every catalog (English: itself), drop the ones the code no longer
    has; return the untranslated msgids per language."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    missing: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        path = catalog_path(lang)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Kunming water planner", charset="utf-8")
        for msgid, where in sorted(msgids.items()):
            locations = [(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where]
            entry = catalog.get(msgid)
            if entry is None:
                catalog.add(msgid, msgid if lang == "en" else "", locations=locations)
            else:
                entry.locations = locations
        for entry in list(catalog):  # drop what the code no longer says
            if entry.id and entry.id not in msgids:
                catalog.delete(entry.id)
        missing[lang] = [m for m in msgids if not (catalog.get(m) and catalog.get(m).string)]
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, include_previous=False)
    return missing


def main(argv: list[str] | None = None) -> int:
    """Extract, update the catalogs, print what is untranslated; exit 1 when anything is."""
    msgids = extract_msgids(source_files())
    missing = update_catalogs(msgids)
    status = 0
    for lang, ids in missing.items():
        print(f"{lang}: {len(msgids)} msgids, {len(ids)} untranslated")
        for msgid in ids:
            print(f"  {msgid!r}  ({msgids[msgid][0]})")
        status = status or int(bool(ids))
    pages = sorted((ROOT / "app_pages").glob("*.py")) + [ROOT / "app.py"]
    for line in english_literals(pages, ALLOWED_LITERALS):
        status = 1
        print(f"unwrapped: {line}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
