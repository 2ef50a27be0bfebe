"""The permissions of the checkpoints app, by name: role checks (``core.permissions.require``),
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings; a test checks
that each one exists."""

from enum import StrEnum


class CheckpointsPerm(StrEnum):
    ADD_CHECKPOINT = "checkpoints.add_checkpoint"
    ADD_PASSAGE = "checkpoints.add_passage"
    CHANGE_CHECKPOINT = "checkpoints.change_checkpoint"
    HANDLE_HANDOVER = "checkpoints.handle_handover"
    VIEW_CHECKPOINT = "checkpoints.view_checkpoint"
    VIEW_HANDOVER = "checkpoints.view_handover"
    VIEW_PASSAGE = "checkpoints.view_passage"
