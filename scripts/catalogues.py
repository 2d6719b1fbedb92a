"""The French catalogues: extract, compile, check (docs/i18n.md).

    python scripts/catalogues.py update [FOLDER...]   # makemessages into each catalogue, then compile
    python scripts/catalogues.py compile [FOLDER...]  # .po -> .mo
    python scripts/catalogues.py check                # untranslated or fuzzy entries, stale .mo

A catalogue is a `locale/fr/LC_MESSAGES/django.po` under firmid/<app>/, a folder of
templates/, or demo_rp/; it holds the strings of the files under its folder, but for the
sub-folders that have a catalogue of their own. With no FOLDER, every catalogue.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "fr"
SKIP = {"node_modules", "__pycache__", "tests", "migrations", ".venv"}


def catalogue_folders() -> list[Path]:
    """Every folder with a catalogue of its own, deepest first."""
    found = []
    for top in ("firmid", "templates", "demo_rp"):
        for locale in (ROOT / top).glob("**/locale"):
            if (locale / LANGUAGE / "LC_MESSAGES").is_dir() and not SKIP & set(locale.relative_to(ROOT).parts):
                found.append(locale.parent)
    return sorted(found, key=lambda path: (-len(path.parts), str(path)))


def po_file(folder: Path) -> Path:
    return folder / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"


def _nested(folder: Path, folders: list[Path]) -> list[str]:
    """The sub-folders of `folder` with their own catalogue, as makemessages --ignore patterns."""
    return [str(other.relative_to(folder)) for other in folders if other != folder and folder in other.parents]


def update(folder: Path, folders: list[Path]) -> None:
    """makemessages into `folder`'s catalogue: its own files only, with a steady header."""
    ignores = [*_nested(folder, folders), *SKIP, "static"]
    # Without settings: makemessages would add settings.LOCALE_PATHS to the folders it writes
    # to and cleans, which parallel runs share.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    # -P: a folder's own modules (demo_rp/html.py) must not shadow the standard library's.
    command = [
        sys.executable,
        "-P",
        "-m",
        "django",
        "makemessages",
        "-l",
        LANGUAGE,
        "--no-obsolete",
        "--add-location=file",
    ]
    for pattern in ignores:
        command += ["--ignore", pattern]
    subprocess.run(command, cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)
    if not po_file(folder).exists():
        print(f"{folder.relative_to(ROOT)}: nothing to translate here; remove its locale/ folder", file=sys.stderr)
        return
    po = polib.pofile(str(po_file(folder)))
    # makemessages writes a template's header: ours is no draft.
    po.metadata.update(
        {
            "Project-Id-Version": "firmid",
            "Language": LANGUAGE,
            "Language-Team": "French",
            "Plural-Forms": "nplurals=2; plural=(n > 1);",
            "Content-Type": "text/plain; charset=UTF-8",
        }
    )
    for key in ("POT-Creation-Date", "PO-Revision-Date", "Last-Translator", "Report-Msgid-Bugs-To"):
        po.metadata.pop(key, None)
    po.header = "French translation of firmid (docs/i18n.md)."
    po.metadata_is_fuzzy = False
    po.save()


def compile_(folder: Path) -> None:
    po = po_file(folder)
    subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)


def problems(folder: Path) -> list[str]:
    if not po_file(folder).exists():
        return [
            f"{po_file(folder).relative_to(ROOT)}: no catalogue (scripts/catalogues.py update {folder.relative_to(ROOT)})"
        ]
    po = polib.pofile(str(po_file(folder)))
    name = po_file(folder).relative_to(ROOT)
    found = [f"{name}: untranslated: {entry.msgid!r}" for entry in po.untranslated_entries()]
    found += [f"{name}: fuzzy: {entry.msgid!r}" for entry in po.fuzzy_entries()]
    found += [f"{name}: obsolete: {entry.msgid!r}" for entry in po.obsolete_entries()]
    mo = po_file(folder).with_suffix(".mo")
    if not mo.exists():
        found.append(f"{name}: no compiled .mo (make messages)")
    else:
        compiled = {
            (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in polib.mofile(str(mo))
        }
        for entry in po.translated_entries():
            if compiled.get((entry.msgctxt, entry.msgid)) != (entry.msgstr or entry.msgstr_plural):
                found.append(f"{name}: the .mo is older than the .po (make messages): {entry.msgid!r}")
                break
    return found


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"update", "compile", "check"}:
        print(__doc__)
        return 2
    folders = catalogue_folders()
    chosen = [Path(arg).resolve() for arg in argv[1:]] or folders
    for folder in chosen:
        if not po_file(folder).parent.is_dir():
            print(f"{folder}: no locale/{LANGUAGE}/LC_MESSAGES here", file=sys.stderr)
            return 2
    if argv[0] == "check":
        found = [problem for folder in chosen for problem in problems(folder)]
        print("\n".join(found) or "Every catalogue is complete.")
        return 1 if found else 0
    if argv[0] == "update":
        # Each folder's catalogue is its own: extract them side by side.
        with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            list(pool.map(lambda folder: update(folder, folders), chosen))
    for folder in chosen:
        if po_file(folder).exists():
            compile_(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
