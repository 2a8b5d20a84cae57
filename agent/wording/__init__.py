"""The words customers read: inputs, enum values, e-mail bodies, example messages."""
