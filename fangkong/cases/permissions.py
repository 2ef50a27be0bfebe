"""The permissions of the cases app, by name (see ``care/permissions.py``)."""

from enum import StrEnum


class CasesPerm(StrEnum):
    VIEW_CLINICVISIT = "cases.view_clinicvisit"
    ADD_CLINICVISIT = "cases.add_clinicvisit"
    CHANGE_CLINICVISIT = "cases.change_clinicvisit"  # the doctor's decision
    VIEW_CASE = "cases.view_case"
    ADD_CASE = "cases.add_case"
    CHANGE_CASE = "cases.change_case"
    MARK_REPORTED = "cases.mark_reported"
    CHANGE_CATEGORY = "cases.change_category"
    CLOSE_CASE = "cases.close_case"
    VIEW_SAMPLE = "cases.view_sample"
    ADD_SAMPLE = "cases.add_sample"
    RECORD_RESULT = "cases.record_result"
