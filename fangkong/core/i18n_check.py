"""Check (and with ``--compile`` update) the Chinese message catalog.

    python -m fangkong.core.i18n_check            # fail if any message lacks a translation
    python -m fangkong.core.i18n_check --compile  # add new msgids to the .po, write the .mo

Why not ``makemessages``/``compilemessages``: they need GNU gettext (xgettext, msgfmt), which a
fresh machine does not have and which we do not want to require; Babel's Django template
extractor is no longer maintained. So we extract ourselves, in the same way Django does:

- templates go through Django's own ``templatize()``, the function ``makemessages`` uses to turn
  ``{% translate %}``/``{% blocktranslate %}`` into gettext calls (``{{ var }}`` becomes
  ``%(var)s``, ``trimmed`` and ``context`` are honoured), so our msgids match the ones the
  template tags look up at run time;
- Python files (and the calls ``templatize()`` writes) are read with :mod:`ast`;
- polib reads the .po and writes the .mo, so the committed .mo is built from our own .po.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib  # type: ignore[import-untyped]
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parents[1]  # fangkong/
PROJECT = PACKAGE.parent
LOCALES = ["zh_Hans"]
SKIP_DIRS = {"migrations", "tests", "__pycache__", "node_modules", "static"}
TEMPLATE_SUFFIXES = {".html", ".txt"}
HEADER = {
    "Project-Id-Version": "fangkong",
    "Language": "zh_Hans",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}

# Function name -> positions of (context, singular, plural) among its arguments, as the
# --keyword options makemessages gives xgettext.
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    **{n: (None, 0, None) for n in ("_", "gettext", "gettext_lazy", "gettext_noop")},
    **{n: (None, 0, 1) for n in ("ngettext", "ngettext_lazy")},
    **{n: (0, 1, None) for n in ("pgettext", "pgettext_lazy")},
    **{n: (0, 1, 2) for n in ("npgettext", "npgettext_lazy")},
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")

Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    context: str | None = None
    where: list[tuple[str, str]] = field(default_factory=list)  # (path, line)

    @property
    def key(self) -> Key:
        return (self.context, self.msgid, self.plural)


# --- extraction --------------------------------------------------------------------------------


def calls_in(tree: ast.AST) -> Iterator[tuple[str | None, str, str | None, int]]:
    """Every gettext-style call with literal strings: (context, msgid, plural, line)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        positions = KEYWORDS[name]
        values: list[str | None] = []
        for pos in positions:
            arg = node.args[pos] if pos is not None and pos < len(node.args) else None
            literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            if pos is not None and not literal:
                break  # a variable, an f-string...: nothing to extract, as with xgettext
            values.append(arg.value if literal else None)  # type: ignore[union-attr]
        else:
            context, msgid, plural = values
            if msgid:
                yield context, msgid, plural, node.lineno


def template_calls(source: str, origin: str) -> ast.Module:
    """Django's templatize() output, reduced to its gettext calls, one per source line.

    templatize() blanks everything else out to letters and keeps line breaks, so each call can
    be cut out of its line with the tokenizer and parsed back at the same line number.
    """
    lines: dict[int, list[str]] = {}
    text = templatize(source, origin)
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = list(tokenize.generate_tokens(io.StringIO(line.lstrip()).readline))
        i = 0
        while i < len(tokens) - 1:
            tok = tokens[i]
            if tok.type == tokenize.NAME and tok.string in KEYWORDS and tokens[i + 1].string == "(":
                depth, j = 0, i + 1
                while j < len(tokens):
                    depth += {"(": 1, ")": -1}.get(tokens[j].string, 0)
                    if depth == 0:
                        break
                    j += 1
                lines.setdefault(lineno, []).append(line.lstrip()[tok.start[1] : tokens[j].end[1]])
                i = j
            i += 1
    padded = "\n".join("; ".join(lines.get(n, [])) for n in range(1, max(lines, default=0) + 1))
    return ast.parse(padded, filename=origin)


def source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*")):
        skipped = SKIP_DIRS.intersection(path.relative_to(PACKAGE).parts[:-1])
        if path.suffix in {".py", *TEMPLATE_SUFFIXES} and path.is_file() and not skipped:
            yield path


def extract() -> list[Message]:
    """All translatable messages of the project, in order of first appearance."""
    found: dict[Key, Message] = {}
    for path in source_files():
        origin = str(path.relative_to(PROJECT))
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            tree = ast.parse(source, filename=origin)
        else:
            tree = template_calls(source, origin)
        for context, msgid, plural, line in sorted(calls_in(tree), key=lambda c: c[3]):
            message = found.setdefault((context, msgid, plural), Message(msgid, plural, context))
            message.where.append((origin, str(line)))
    return list(found.values())


# --- catalog -----------------------------------------------------------------------------------


def po_path(locale: str) -> Path:
    return PACKAGE / "locale" / locale / "LC_MESSAGES" / "django.po"


def load_po(locale: str) -> polib.POFile:
    path = po_path(locale)
    if path.exists():
        return polib.pofile(str(path))
    po = polib.POFile()
    po.header = (
        "Fangkong (防控指挥平台) messages. Update: python -m fangkong.core.i18n_check --compile"
    )
    po.metadata = {**HEADER, "Language": locale}
    return po


def entry_key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


def catalog(entries: list[polib.POEntry] | polib.MOFile) -> dict[Key, object]:
    """What a compiled catalog says: key -> translation (plural forms as a sorted tuple)."""
    return {
        entry_key(e): tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr
        for e in entries
    }


def problems(locale: str, messages: list[Message]) -> list[str]:
    po = load_po(locale)
    entries = {entry_key(e): e for e in po if not e.obsolete}
    found = []
    for message in messages:
        where = ":".join(message.where[0])
        label = repr(message.msgid) + (f" (context {message.context!r})" if message.context else "")
        entry = entries.get(message.key)
        if entry is None:
            found.append(f"{where}: missing from the .po: {label}")
        elif "fuzzy" in entry.flags:
            found.append(f"{where}: fuzzy translation: {label}")
        elif not entry.translated():
            found.append(f"{where}: no translation: {label}")
        else:
            strings = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
            wanted = set(PLACEHOLDER.findall(entry.msgid))
            if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
                found.append(f"{where}: placeholders differ from the msgid: {label}")
    mo = po_path(locale).with_suffix(".mo")
    if not mo.exists():
        found.append(f"{mo.relative_to(PROJECT)}: missing; run with --compile")
    else:
        data, expected = mo.read_bytes(), po.to_binary()
        if data != expected:
            current, wanted_mo = polib.mofile(data), polib.mofile(expected)
            if catalog(current) != catalog(wanted_mo) or current.metadata != wanted_mo.metadata:
                found.append(f"{mo.relative_to(PROJECT)}: out of date; run with --compile")
    return found


def compile_catalog(locale: str, messages: list[Message]) -> int:
    """Merge the extracted messages into the .po (new ones untranslated) and write the .mo."""
    po = load_po(locale)
    entries = {entry_key(e): e for e in po}
    added = 0
    for message in messages:
        entry = entries.get(message.key)
        if entry is None:
            entry = polib.POEntry(
                msgid=message.msgid,
                msgctxt=message.context,
                msgid_plural=message.plural or "",
                msgstr="",
                msgstr_plural={0: ""} if message.plural else {},
            )
            if PLACEHOLDER.search(message.msgid):
                entry.flags.append("python-format")
            po.append(entry)
            added += 1
        entry.obsolete = False
        entry.occurrences = message.where
    wanted = {m.key for m in messages}
    for entry in po:
        if entry_key(entry) not in wanted and entry.msgid:
            entry.obsolete = True  # kept (as #~) so the translation can come back
    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))
    po.save_as_mofile(str(path.with_suffix(".mo")))
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--compile", action="store_true", help="update the .po and write .mo")
    args = parser.parse_args(argv)
    messages = extract()
    for locale in LOCALES:
        if args.compile:
            added = compile_catalog(locale, messages)
            print(f"{locale}: {len(messages)} msgids, {added} new; wrote django.po and django.mo")
        found = problems(locale, messages)
        for problem in found:
            print(problem)
        if found:
            print(f"{locale}: {len(found)} problem(s) in the message catalog", file=sys.stderr)
            return 1
        print(f"{locale}: all {len(messages)} msgids translated, django.mo up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
