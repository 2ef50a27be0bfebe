"""The Chinese message catalogue: check it (``make lint``) and update it (``make messages``).

    python -m fangkong.core.i18n_check           # fail on any problem in the catalogue
    python -m fangkong.core.i18n_check --update  # makemessages, compilemessages, then the check

The catalogue is built by Django's ``makemessages`` and ``compilemessages``, which run GNU gettext
(Debian: ``apt-get install gettext``). ``--update`` runs them in ``fangkong/`` with
:data:`MAKEMESSAGES_ARGS`, so the catalogue holds the package's messages and nothing from
``.venv/``, ``node_modules/``, ``build/`` or ``bench/results/``. See ADR 0009.

The check, in two parts:

- the committed catalogue (needs only polib): no entry untranslated, fuzzy or duplicated, the
  placeholders of each translation those of its msgid, and ``django.mo`` saying what
  ``django.po`` says;
- the source (needs gettext): ``makemessages`` run on a temporary copy of the package finds exactly
  the msgids of the catalogue, and ``msgfmt --check-format`` accepts the catalogue. Without
  gettext this part is skipped with a warning, and under ``CI=true`` that is a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parents[1]  # fangkong/
LOCALES = ["zh_Hans"]
# Options of every makemessages run, for the real catalogue and for the check's copy:
# - one line per msgid and msgstr (--no-wrap): an entry's diff is its own lines, and an entry
#   added by hand (or grepped for) looks the same as one written by msgmerge;
# - the files a message is used in, without line numbers: a translator sees where a message
#   comes from, and moving code within a file does not rewrite the catalogue;
# - obsolete entries are kept (as #~, not compiled): msgmerge brings one back, translated, when
#   its msgid returns, so a translation written before its code, or a string removed on one
#   branch and kept on another, is never lost to a run of make messages;
# - tests and migrations are not the interface.
MAKEMESSAGES_ARGS = [
    "--no-wrap",
    "--add-location=file",
    "--ignore=tests",
    "--ignore=migrations",
]
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt")
# msgmerge stamps the time of each run into the header; it is dropped so that an unchanged
# source leaves the catalogue unchanged (msgfmt leaves it out of the .mo anyway).
POT_CREATION_DATE = re.compile(r'^"POT-Creation-Date: [^"]*\\n"\n', re.MULTILINE)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")
# xgettext 0.21 reads a Python string without prefix as bytes: "\u201c" stays six characters, and
# the msgid no longer matches the string Python looks up at run time.
ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{|x[0-9a-fA-F]{2})")
MISSING_GETTEXT = (
    "GNU gettext is not installed (apt-get install gettext): the check that the catalogue holds "
    "every msgid of the source did NOT run"
)

Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def gettext_missing() -> list[str]:
    return [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]


def po_path(locale: str, package: Path = PACKAGE) -> Path:
    return package / "locale" / locale / "LC_MESSAGES" / "django.po"


def entry_key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


def label(key: Key) -> str:
    context, msgid, _plural = key
    return repr(msgid) + (f" (context {context!r})" if context else "")


def display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(PACKAGE.parent))
    return str(path)


def translations(entries: Iterable[polib.POEntry | polib.MOEntry]) -> dict[Key, object]:
    """What a compiled catalogue says: key -> translation (plural forms as a sorted tuple)."""
    return {
        entry_key(e): tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr
        for e in entries
        if e.msgid
    }


def header(catalogue: polib.POFile | polib.MOFile) -> dict[str, str]:
    return {k: v for k, v in catalogue.metadata.items() if k != "POT-Creation-Date"}


# --- the committed catalogue ---------------------------------------------------------------------


def catalogue_problems(po_file: Path) -> list[str]:
    """What is wrong in a .po and its .mo, without gettext."""
    name, mo_file = display(po_file), po_file.with_suffix(".mo")
    if not po_file.exists():
        return [f"{name}: missing; run make messages"]
    po = polib.pofile(str(po_file))
    found = []
    seen: set[Key] = set()
    for entry in po:
        if entry.obsolete:
            continue
        key = entry_key(entry)
        where = f"{name}:{entry.linenum}"
        if key in seen:
            found.append(f"{where}: duplicate entry: {label(key)}")
        seen.add(key)
        if "fuzzy" in entry.flags:
            found.append(
                f"{where}: fuzzy translation (check it, then remove '#, fuzzy'): {label(key)}"
            )
        elif not entry.translated():
            found.append(f"{where}: no translation: {label(key)}")
        else:
            strings = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
            wanted = set(PLACEHOLDER.findall(entry.msgid))
            if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
                found.append(f"{where}: placeholders differ from the msgid: {label(key)}")
    if not mo_file.exists():
        found.append(f"{display(mo_file)}: missing; run make messages")
    else:
        mo = polib.mofile(str(mo_file))
        compiled = [e for e in po if e.translated()]  # what msgfmt writes: no fuzzy, no obsolete
        if translations(mo) != translations(compiled) or header(mo) != header(po):
            found.append(f"{display(mo_file)}: not compiled from the .po; run make messages")
    return found


# --- the source --------------------------------------------------------------------------------


def makemessages(package: Path, locale: str, *, quiet: bool = False) -> None:
    """Run makemessages in ``package`` (which must have a ``locale/`` directory)."""
    from django.core.management import call_command

    args = ["makemessages", "-l", locale, *MAKEMESSAGES_ARGS]
    if not quiet:
        print(f"+ (cd {package.name} && fangkong {' '.join(args)})")
    with contextlib.chdir(package):
        call_command(*args, verbosity=0 if quiet else 1, stdout=io.StringIO() if quiet else None)
    path = po_path(locale, package)
    path.write_text(POT_CREATION_DATE.sub("", path.read_text(encoding="utf-8"), count=1), "utf-8")


def compilemessages(package: Path, locale: str) -> None:
    from django.core.management import call_command

    print(f"+ (cd {package.name} && fangkong compilemessages -l {locale})")
    with contextlib.chdir(package):
        call_command("compilemessages", "-l", locale)


def extract(package: Path, locale: str) -> polib.POFile:
    """The catalogue makemessages makes from ``package``'s source, built in a temporary copy.

    The copy has its own ``locale/`` (and ``LOCALE_PATHS`` points at it), so nothing is written
    outside it; the committed catalogue is not touched.
    """
    from django.test.utils import override_settings

    sources = {".py", ".html", ".txt"}
    with tempfile.TemporaryDirectory(prefix="fangkong-messages-") as tmp:
        copy = Path(tmp) / package.name
        for path in package.rglob("*"):
            parts = set(path.relative_to(package).parts[:-1])
            if path.suffix in sources and path.is_file() and not parts & {"tests", "migrations"}:
                target = copy / path.relative_to(package)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        locale_dir = copy / "locale"
        locale_dir.mkdir(parents=True, exist_ok=True)
        with override_settings(LOCALE_PATHS=[locale_dir]):
            makemessages(copy, locale, quiet=True)
        return polib.pofile(str(po_path(locale, copy)))


def source_problems(po_file: Path, package: Path, locale: str) -> list[str]:
    """Msgids of the source missing from the catalogue, and entries the source no longer has."""
    found = []
    name = display(po_file)
    extracted = {entry_key(e): e for e in extract(package, locale) if e.msgid}
    committed = {entry_key(e) for e in polib.pofile(str(po_file)) if e.msgid and not e.obsolete}
    for key, entry in extracted.items():
        where = f"{package.name}/{entry.occurrences[0][0]}" if entry.occurrences else "?"
        if ESCAPE.search(entry.msgid):
            found.append(
                f"{where}: xgettext reads a backslash escape literally, write the character "
                f"itself: {label(key)}"
            )
        elif key not in committed:
            found.append(f"{where}: not in the catalogue (run make messages): {label(key)}")
    for key in sorted(committed - set(extracted), key=str):
        found.append(
            f"{name}: no longer in the source (make messages makes it obsolete): {label(key)}"
        )
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        result = subprocess.run(  # noqa: S603 (our own arguments)
            [msgfmt, "--check-format", "-o", os.devnull, str(po_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            found.append(f"{name}: msgfmt --check-format refuses it:\n{result.stderr.strip()}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--update", action="store_true", help="run makemessages and compilemessages first"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    missing = gettext_missing()
    if args.update and missing:
        print(
            f"make messages needs GNU gettext ({', '.join(missing)} not found): "
            "apt-get install gettext",
            file=sys.stderr,
        )
        return 1
    status = 0
    for locale in LOCALES:
        po_file = po_path(locale, PACKAGE)
        if args.update:
            makemessages(PACKAGE, locale)
            compilemessages(PACKAGE, locale)
        found = catalogue_problems(po_file)
        if not missing:
            found += source_problems(po_file, PACKAGE, locale)
        elif in_ci():
            found.append(f"{MISSING_GETTEXT}; CI=true requires it ({', '.join(missing)} not found)")
        else:
            print(f"WARNING: {MISSING_GETTEXT}; under CI=true this is a failure.", file=sys.stderr)
        for problem in found:
            print(problem)
        if found:
            print(f"{locale}: {len(found)} problem(s) in the message catalogue", file=sys.stderr)
            status = 1
        else:
            entries = len([e for e in polib.pofile(str(po_file)) if e.msgid and not e.obsolete])
            print(f"{locale}: all {entries} msgids translated, django.mo compiled from django.po")
    return status


if __name__ == "__main__":
    sys.exit(main())
