"""What the commands that print for people share: `--language`, and their output in it (docs/i18n.md)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import dateformat, timezone, translation

LANGUAGE_HELP = "The language of what the command prints for people: en or fr (English by default)."


def add_language_option(parser: argparse.ArgumentParser, *, default: object = None) -> None:
    """Add `--language en|fr` to `parser` (a sub-command's parser keeps its parent's choice: SUPPRESS)."""
    parser.add_argument(
        "--language",
        choices=[code for code, _name in settings.LANGUAGES],
        default=settings.LANGUAGE_CODE if default is None else default,
        help=LANGUAGE_HELP,
    )


class TranslatedCommand(BaseCommand):
    """A command whose output for people (and its refusals) is in `--language`, English by default.

    What it prints for scripts (slugs, ids, addresses) does not change with the language.
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        add_language_option(parser)
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)


def day_for_people(moment: date | datetime) -> str:
    """A day as people write it in the active language: 15 January 2027, 15 janvier 2027."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment, timezone.get_default_timezone()).date()
    return dateformat.format(moment, "j F Y")


def moment_for_people(moment: datetime) -> str:
    """A moment in UTC, in the active language: 15 January 2027 14:05 UTC, 15 janvier 2027 14:05 UTC."""
    return dateformat.format(timezone.localtime(moment, UTC), "j F Y H:i") + " UTC"
