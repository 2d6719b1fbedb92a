"""Each of firmid's translations is the one a page shows.

Django merges every catalogue into one; where two give the same English (firmid's and
allauth's "Remove", or two of firmid's apps) only one French survives. Each entry must
come out as its own catalogue writes it: a clash is settled with a context (pgettext).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import catalogues  # noqa: E402

FIRMID_FOLDERS = [folder for folder in catalogues.catalogue_folders() if folder.name != "demo_rp"]


@pytest.mark.parametrize("folder", FIRMID_FOLDERS, ids=lambda folder: str(folder.relative_to(ROOT)))
def test_every_translation_of_the_catalogue_is_the_one_shown(folder):
    lost = []
    with translation.override("fr"):
        for entry in polib.pofile(str(catalogues.po_file(folder))).translated_entries():
            if entry.msgid_plural:
                shown = (
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.msgid_plural, 2)
                )
                expected = entry.msgstr_plural[1]
            else:
                shown = (
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt
                    else translation.gettext(entry.msgid)
                )
                expected = entry.msgstr
            if shown != expected:
                lost.append(f"{entry.msgid!r}: shows {shown!r}, not {expected!r}")
    assert lost == []
