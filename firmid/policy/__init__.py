"""The MFA decision: what must this user do now? Pure Python, no Django import."""

from firmid.policy.decision import (
    Action,
    Decision,
    ForcedBy,
    MfaLevel,
    PolicyInput,
    Status,
    UserType,
    decide,
)

__all__ = ["Action", "Decision", "ForcedBy", "MfaLevel", "PolicyInput", "Status", "UserType", "decide"]
