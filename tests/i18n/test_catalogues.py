"""The French catalogues are complete, and every string a person reads is in one (docs/i18n.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import catalogues  # noqa: E402

FOLDERS = catalogues.catalogue_folders()


def test_there_is_a_catalogue_for_each_app_and_template_folder():
    names = {str(folder.relative_to(ROOT)) for folder in FOLDERS}
    assert {"firmid/signin", "firmid/mfa", "firmid/administration", "templates", "demo_rp"} <= names


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: str(folder.relative_to(ROOT)))
def test_catalogue_has_no_untranslated_fuzzy_or_obsolete_entry_and_its_mo_is_current(folder):
    assert catalogues.problems(folder) == []


def test_every_marked_string_is_in_its_catalogue(tmp_path):
    """A string marked in the code but missing from the committed catalogue shows in English.

    Every catalogue is extracted anew, by `scripts/catalogues.py update`, in a copy of the sources.
    """
    copy = tmp_path / "sources"
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "*.mo", ".venv", "var")
    for name in ("firmid", "templates", "demo_rp", "config", "scripts"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    subprocess.run([sys.executable, str(copy / "scripts" / "catalogues.py"), "update"], check=True, cwd=copy)

    def entries(po: Path) -> set:
        return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(po))} if po.exists() else set()

    differences = {}
    for folder in FOLDERS:
        relative = catalogues.po_file(folder).relative_to(ROOT)
        committed, fresh = entries(ROOT / relative), entries(copy / relative)
        if committed != fresh:
            differences[str(relative)] = {
                "in the code, not in the catalogue": sorted(fresh - committed, key=str),
                "in the catalogue, no longer in the code": sorted(committed - fresh, key=str),
            }
    assert differences == {}, "run `make messages` and translate"
