"""The demo's settings: defined by the local and test settings only, never in production."""

from __future__ import annotations

from firmid.core.app_settings import AppSettings


class DemoSettings(AppSettings):
    @property
    def DEMO_RP_SECRET(self) -> str:
        """The client secret of the demo application "Documents" (demo_rp/); "": no demo here."""
        return self._setting("DEMO_RP_SECRET", "")

    @property
    def DEMO_IDP_SECRET(self) -> str:
        """firmid's client secret at Northwind's demo identity provider (demo_idp/northwind.json); "": no demo here."""
        return self._setting("DEMO_IDP_SECRET", "")


demo_settings = DemoSettings()
