"""What accounts tells the layers above it, inside the transaction of the change."""

from django.dispatch import Signal

# Sent with `user` when every session of the user ends (password written, address changed,
# account disabled, MFA reset): the provider revokes the user's tokens in its receiver.
# Sent with send(), never send_robust(): a receiver's failure rolls the change back with it.
sessions_ended = Signal()
