from __future__ import annotations

from firmid.accounts.models import User


def application_admits(*, application, user: User) -> bool:  # noqa: ANN001
    """May `user` sign in to `application`? Applications may be open to some user types only."""
    profile = getattr(application, "firmid_profile", None)
    if profile is None or not profile.user_types:
        return True
    return user.user_type is not None and user.user_type.value in profile.user_types
