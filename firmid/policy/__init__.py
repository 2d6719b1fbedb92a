"""The MFA decision: what must this user do now? Pure Python, no Django import."""

from firmid.policy.decision import (
    Action,
    Decision,
    MfaLevel,
    PolicyInput,
    Status,
    UserType,
    decide,
)

__all__ = ["Action", "Decision", "MfaLevel", "PolicyInput", "Status", "UserType", "decide"]
