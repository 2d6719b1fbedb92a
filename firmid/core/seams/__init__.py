"""Where firmid touches a library's private API: one module per library (STYLE.md habit 10).

Each module re-exports, or wraps in a small typed function, what firmid uses of the
library's private API (allauth's `internal` modules, a private attribute of a request or
response), and lists in HOOKS the private methods and attributes that firmid's subclasses
override or use on their library base class. Nothing else in firmid imports a library's
`internal` module or names its private API outside those subclasses, whose lines carry a
`# seam:` comment. firmid/core/tests/test_seams.py pins every entry: after an upgrade, a
failing test there names what changed and the seam module to re-read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hook:
    """A private name of a library class that a firmid subclass overrides or uses."""

    owner: str  # the library class, dotted (imported by the test only: no app needs loading here)
    name: str  # its private method or attribute
    why: str  # what firmid relies on, in one line
    site: str  # the firmid class that overrides or uses it, dotted
    params: tuple[str, ...] | None = None  # the method's parameters ("**kwargs" marked); None for an attribute
    # The owner's methods that must still call, read or set it: the path firmid depends on.
    # "a>b" means a calls b, which calls the hook.
    used_by: tuple[str, ...] = ()
    overridden: bool = False
