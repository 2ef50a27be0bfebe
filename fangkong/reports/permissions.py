"""The permissions of the reports app, by name (see ``care/permissions.py``): role checks,
``has_perm`` and the role lists (``accounts/roles.py``) use these, never strings."""

from enum import StrEnum


class ReportsPerm(StrEnum):
    # the daily supervision reports of the user's division and below, completeness, roll-up
    VIEW_REPORT = "reports.view_dailyreport"
    # write and submit the own division's report of the day
    SUBMIT_REPORT = "reports.add_dailyreport"
    # approve, return, mark missing and reopen the reports of child divisions
    APPROVE_REPORT = "reports.approve_dailyreport"
    # the deadlines per level (the province's command office)
    CONFIGURE_DEADLINES = "reports.change_deadline"
    # generate and download the province's daily summary to the committee
    VIEW_SUMMARY = "reports.view_summary"
    # generate the daily summary (the province's command office); download needs VIEW_SUMMARY
    GENERATE_SUMMARY = "reports.add_summary"
