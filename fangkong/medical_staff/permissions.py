"""The permissions of the medical staff app, by name (see ``care/permissions.py``): role
checks, ``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings."""

from enum import StrEnum


class MedicalStaffPerm(StrEnum):
    VIEW_STAFF = "medical_staff.view_staffmember"
    ADD_STAFF = "medical_staff.add_staffmember"
    CHANGE_STAFF = "medical_staff.change_staffmember"
    # rosters, exposures and family care: the hospital's (or health commission's) work
    MANAGE_ROSTER = "medical_staff.manage_roster"
    ADD_EXPOSURE = "medical_staff.add_exposure"
    VIEW_EXPOSURE = "medical_staff.view_exposure"
    ADD_FAMILYCARE = "medical_staff.add_familycare"
    VIEW_FAMILYCARE = "medical_staff.view_familycare"
