"""Roles (DESIGN.md section 3) as permission groups. A role says what; the home division where.

The groups are created by migration ``0003_roles``; :func:`sync_roles` is what it runs, and it
can be run again (``fangkong sync-roles``) after later issues add permissions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.permissions import AccountsPerm
from fangkong.audit.permissions import AuditPerm
from fangkong.bulk.permissions import BulkPerm
from fangkong.care.permissions import CarePerm
from fangkong.cases.permissions import CasesPerm
from fangkong.checkpoints.permissions import CheckpointsPerm
from fangkong.command.permissions import CommandPerm
from fangkong.investigation.permissions import InvestigationPerm
from fangkong.medical.permissions import MedicalPerm
from fangkong.medical_staff.permissions import MedicalStaffPerm
from fangkong.observation.permissions import ObservationPerm
from fangkong.outbreaks.permissions import OutbreaksPerm
from fangkong.people.permissions import PeoplePerm
from fangkong.regions.permissions import RegionsPerm
from fangkong.reports.permissions import ReportsPerm
from fangkong.screening.permissions import ScreeningPerm
from fangkong.supplies.permissions import SuppliesPerm
from fangkong.tracing.permissions import TracingPerm
from fangkong.treatment.permissions import TreatmentPerm
from fangkong.warning.permissions import WarningPerm
from fangkong.zeroreport.permissions import ZeroReportPerm


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    VILLAGE_SECRETARY = "village_secretary", _("village or community secretary")
    TOWNSHIP_COMMAND = "township_command", _("township command office")
    COUNTY_COMMAND = "county_command", _("county command office")
    CITY_COMMAND = "city_command", _("city command office")
    PROVINCE_COMMAND = "province_command", _("province command office")
    CHECKPOINT_STAFF = "checkpoint_staff", _("checkpoint staff")
    CLINIC_STAFF = "clinic_staff", _("fever clinic or hospital staff")
    HEALTH_COMMISSION = "health_commission", _("health commission")
    SUPPLIES_OFFICER = "supplies_officer", _("supplies officer")
    ORGANIZATION_DEPT = "organization_dept", _("organization department")
    PUBLICITY_OFFICE = "publicity_office", _("publicity office")
    SYSADMIN = "sysadmin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")


# The three administrators (三员分立, docs/adr/0011): no account holds two of them.
ADMIN_ROLES = (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
# Every role one account may hold together: all but the security and the audit administrator
# (tests and demo accounts that want "every page" use this).
COMBINABLE_ROLES = tuple(r.value for r in Role if r not in ADMIN_ROLES[1:])
# Roles that must log in with a second factor when FANGKONG_REQUIRE_2FA is on: the three
# administrators and the command offices from the county up.
SECOND_FACTOR_ROLES = (
    *ADMIN_ROLES,
    Role.COUNTY_COMMAND,
    Role.CITY_COMMAND,
    Role.PROVINCE_COMMAND,
)


VIEW_TREE = [RegionsPerm.VIEW_DIVISION, RegionsPerm.VIEW_GRIDSTAFF, RegionsPerm.VIEW_GRIDASSIGNMENT]
MANAGE_GRIDS = [RegionsPerm.MANAGE_GRIDS, RegionsPerm.ADD_GRIDSTAFF, RegionsPerm.CHANGE_GRIDSTAFF]
# Grid staff phone numbers: the command offices of the staff's chain, the village, and the grid
# worker (their own grid's staff); not the health, clinic, supplies, organisation or publicity
# roles (regions.selectors.staff_phone_visible).
STAFF_PHONE = [RegionsPerm.VIEW_STAFF_PHONE]
COMMAND = [*VIEW_TREE, *MANAGE_GRIDS, *STAFF_PHONE]
PEOPLE_VIEW = [PeoplePerm.VIEW_PERSON, PeoplePerm.VIEW_HOUSEHOLD]
PEOPLE_WRITE = [PeoplePerm.ADD_PERSON, PeoplePerm.CHANGE_PERSON]
# Full ID numbers and phones: for those who contact or treat people; revealing is audited.
UNMASK = [PeoplePerm.VIEW_UNMASKED]
# Care requests (帮扶关爱): taken, assigned and closed in the grid and the village; watched above.
CARE_VIEW = [CarePerm.VIEW_CAREREQUEST, CarePerm.VIEW_EVERY_KIND]
# The supplies officer reads the requests of the kinds it supplies (food, medicine).
CARE_SUPPLIES = [CarePerm.VIEW_CAREREQUEST]
CARE_WORK = [CarePerm.ADD_CAREREQUEST, CarePerm.ASSIGN_CAREREQUEST, CarePerm.CLOSE_CAREREQUEST]
# Checkpoints (卡口): staff register passages; command offices run the sites and watch passages;
# the destination's grid and village follow flagged travellers up (their to-do list).
CHECKPOINTS_VIEW = [CheckpointsPerm.VIEW_CHECKPOINT, CheckpointsPerm.VIEW_PASSAGE]
CHECKPOINTS_MANAGE = [CheckpointsPerm.ADD_CHECKPOINT, CheckpointsPerm.CHANGE_CHECKPOINT]
PASSAGES_REGISTER = [CheckpointsPerm.ADD_PASSAGE]
FLAGGED_VIEW = [CheckpointsPerm.VIEW_HANDOVER]
FLAGGED_HANDLE = [CheckpointsPerm.HANDLE_HANDOVER]

# Permission codenames ("app_label.codename") granted to each role. Later issues extend this.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.GRID_WORKER: [
        *VIEW_TREE,
        *STAFF_PHONE,
        *PEOPLE_VIEW,
        *PEOPLE_WRITE,
        *UNMASK,
        *CARE_VIEW,
        *CARE_WORK,
        *FLAGGED_VIEW,
        *FLAGGED_HANDLE,
    ],
    Role.VILLAGE_SECRETARY: [
        *COMMAND,
        *PEOPLE_VIEW,
        *PEOPLE_WRITE,
        *UNMASK,
        *CARE_VIEW,
        *CARE_WORK,
        *FLAGGED_VIEW,
        *FLAGGED_HANDLE,
    ],
    Role.TOWNSHIP_COMMAND: [
        *COMMAND,
        *PEOPLE_VIEW,
        *PEOPLE_WRITE,
        *CARE_VIEW,
        *CHECKPOINTS_VIEW,
        *CHECKPOINTS_MANAGE,
        *FLAGGED_VIEW,
    ],
    Role.COUNTY_COMMAND: [
        *COMMAND,
        *PEOPLE_VIEW,
        *PEOPLE_WRITE,
        *CARE_VIEW,
        *CHECKPOINTS_VIEW,
        *CHECKPOINTS_MANAGE,
        *FLAGGED_VIEW,
    ],
    Role.CITY_COMMAND: [
        *COMMAND,
        *PEOPLE_VIEW,
        *CARE_VIEW,
        *CHECKPOINTS_VIEW,
        *CHECKPOINTS_MANAGE,
        *FLAGGED_VIEW,
    ],
    Role.PROVINCE_COMMAND: [
        *COMMAND,
        *PEOPLE_VIEW,
        *CARE_VIEW,
        *CHECKPOINTS_VIEW,
        *CHECKPOINTS_MANAGE,
        *FLAGGED_VIEW,
    ],
    Role.CHECKPOINT_STAFF: [*VIEW_TREE, *CHECKPOINTS_VIEW, *PASSAGES_REGISTER],
    Role.CLINIC_STAFF: [*VIEW_TREE, *PEOPLE_VIEW, *UNMASK],
    Role.HEALTH_COMMISSION: [*VIEW_TREE, *PEOPLE_VIEW, *UNMASK, *CHECKPOINTS_VIEW, *FLAGGED_VIEW],
    Role.SUPPLIES_OFFICER: [*VIEW_TREE, *CARE_SUPPLIES],
    Role.ORGANIZATION_DEPT: [*VIEW_TREE],
    Role.PUBLICITY_OFFICE: [*VIEW_TREE],
    Role.SYSADMIN: [
        *COMMAND,
        *PEOPLE_VIEW,
        AccountsPerm.MANAGE_USERS,
        AccountsPerm.MANAGE_TOKENS,
    ],
    # Roles and policies: who holds which role, lockout release, the security settings.
    Role.SECURITY_ADMIN: [*VIEW_TREE, AccountsPerm.ASSIGN_ROLES, AccountsPerm.MANAGE_SECURITY],
    # The audit log and nothing else.
    Role.AUDIT_ADMIN: [AuditPerm.VIEW_AUDITEVENT],
}

# Screening (排查登记) and medical observation (医学观察): grid workers, villages, townships and
# counties screen and follow people up; a village secretary and above may release an observation
# early; command offices of a province, city or county declare key areas; the rest watch.
SCREENING_VIEW = [ScreeningPerm.VIEW_SCREENING, ObservationPerm.VIEW_OBSERVATION]
SCREENING_WORK = [
    ScreeningPerm.ADD_SCREENING,
    ObservationPerm.ADD_CHECKIN,
    ObservationPerm.CHANGE_OBSERVATION,
    ObservationPerm.MANAGE_LINK,
    # importing screening lists from a file (fangkong/bulk): the job and its outcome
    BulkPerm.ADD_IMPORTJOB,
    BulkPerm.VIEW_IMPORTJOB,
]
RELEASE_EARLY = [ObservationPerm.RELEASE_EARLY]
KEY_AREAS = [ScreeningPerm.MANAGE_KEY_AREAS]
for _role, _perms in {
    Role.GRID_WORKER: [*SCREENING_VIEW, *SCREENING_WORK],
    Role.VILLAGE_SECRETARY: [*SCREENING_VIEW, *SCREENING_WORK, *RELEASE_EARLY],
    Role.TOWNSHIP_COMMAND: [*SCREENING_VIEW, *SCREENING_WORK, *RELEASE_EARLY],
    Role.COUNTY_COMMAND: [*SCREENING_VIEW, *SCREENING_WORK, *RELEASE_EARLY, *KEY_AREAS],
    Role.CITY_COMMAND: [*SCREENING_VIEW, *KEY_AREAS],
    Role.PROVINCE_COMMAND: [*SCREENING_VIEW, *KEY_AREAS],
    Role.CLINIC_STAFF: SCREENING_VIEW,
    Role.HEALTH_COMMISSION: SCREENING_VIEW,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# Export of lists (bulk/exports.py): office work, for the roles that read and report on these
# lists. Not grid workers: their lists are their own grid's, worked on a phone on the spot;
# their village secretary exports for the grids. Not the system administrator: no list data.
BULK_EXPORT = [BulkPerm.EXPORT_LIST]
for _role in (
    Role.VILLAGE_SECRETARY,
    Role.TOWNSHIP_COMMAND,
    Role.COUNTY_COMMAND,
    Role.CITY_COMMAND,
    Role.PROVINCE_COMMAND,
    Role.CHECKPOINT_STAFF,
    Role.CLINIC_STAFF,
    Role.HEALTH_COMMISSION,
    Role.SUPPLIES_OFFICER,
):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *BULK_EXPORT]

# Zero reporting (零报告): grid workers confirm their grid's day, villages and townships may too;
# command offices press "update now" to recompute their subtree's figures; every role that sees
# the tree sees the figures.
ZERO_VIEW: list[StrEnum] = [ZeroReportPerm.VIEW_GRIDDAY]
ZERO_CONFIRM: list[StrEnum] = [ZeroReportPerm.CONFIRM_GRIDDAY]
ZERO_REFRESH: list[StrEnum] = [ZeroReportPerm.CHANGE_GRIDDAY]
for _role in Role:
    if RegionsPerm.VIEW_DIVISION in ROLE_PERMISSIONS.get(_role, []):
        ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *ZERO_VIEW]
for _role, _perms in {
    Role.GRID_WORKER: ZERO_CONFIRM,
    Role.VILLAGE_SECRETARY: [*ZERO_CONFIRM, *ZERO_REFRESH],
    Role.TOWNSHIP_COMMAND: [*ZERO_CONFIRM, *ZERO_REFRESH],
    Role.COUNTY_COMMAND: ZERO_REFRESH,
    Role.CITY_COMMAND: ZERO_REFRESH,
    Role.PROVINCE_COMMAND: ZERO_REFRESH,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]

# Cases and contacts (issue #9): the fever clinic sees its patients first (首诊), reports and
# samples; the health commission (its CDC) works cases, investigations, contacts and hand-overs;
# command offices watch; checkpoints look up the health colour by ID number.
FACILITIES_VIEW: list[StrEnum] = [MedicalPerm.VIEW_FACILITY]
CASES_VIEW: list[StrEnum] = [CasesPerm.VIEW_CASE, CasesPerm.VIEW_SAMPLE]
CLINIC_WORK: list[StrEnum] = [
    CasesPerm.VIEW_CLINICVISIT,
    CasesPerm.ADD_CLINICVISIT,
    CasesPerm.CHANGE_CLINICVISIT,
    CasesPerm.ADD_CASE,
    CasesPerm.CHANGE_CASE,
    CasesPerm.MARK_REPORTED,
    CasesPerm.CHANGE_CATEGORY,
    CasesPerm.CLOSE_CASE,
    CasesPerm.ADD_SAMPLE,
    CasesPerm.RECORD_RESULT,
]
TRACING_VIEW: list[StrEnum] = [
    InvestigationPerm.VIEW_INVESTIGATION,
    InvestigationPerm.VIEW_TRAJECTORY,
    InvestigationPerm.VIEW_PLACE,
    TracingPerm.VIEW_CONTACT,
    TracingPerm.VIEW_HANDOVER,
    OutbreaksPerm.VIEW_CLUSTER,
    OutbreaksPerm.VIEW_RISKGRADE,
]
TRACING_WORK: list[StrEnum] = [
    InvestigationPerm.ADD_INVESTIGATION,
    InvestigationPerm.CHANGE_INVESTIGATION,
    InvestigationPerm.ADD_PLACE,
    TracingPerm.ADD_CONTACT,
    TracingPerm.CHANGE_CONTACT,
    TracingPerm.HANDLE_HANDOVER,
    OutbreaksPerm.CHANGE_CLUSTER,
    OutbreaksPerm.COMPUTE_RISKGRADE,
    BulkPerm.ADD_IMPORTJOB,  # contact lists from a spreadsheet (tracing/importer.py)
    BulkPerm.VIEW_IMPORTJOB,
]
COLOUR: list[StrEnum] = [OutbreaksPerm.LOOKUP_COLOUR]
NOTICES: list[StrEnum] = [InvestigationPerm.VIEW_TRAJECTORY]
for _role, _perms in {
    Role.CLINIC_STAFF: [*FACILITIES_VIEW, *CASES_VIEW, *CLINIC_WORK, *COLOUR],
    Role.HEALTH_COMMISSION: [
        *FACILITIES_VIEW,
        MedicalPerm.ADD_FACILITY,  # it registers the fever clinics and hospitals of its area
        MedicalPerm.CHANGE_FACILITY,
        *CASES_VIEW,
        CasesPerm.VIEW_CLINICVISIT,
        CasesPerm.CHANGE_CASE,
        CasesPerm.MARK_REPORTED,
        CasesPerm.CHANGE_CATEGORY,
        CasesPerm.CLOSE_CASE,
        CasesPerm.ADD_SAMPLE,
        CasesPerm.RECORD_RESULT,
        *TRACING_VIEW,
        *TRACING_WORK,
        *COLOUR,
    ],
    Role.COUNTY_COMMAND: [*FACILITIES_VIEW, *CASES_VIEW, *TRACING_VIEW, *COLOUR],
    Role.CITY_COMMAND: [*FACILITIES_VIEW, *CASES_VIEW, *TRACING_VIEW, *COLOUR],
    Role.PROVINCE_COMMAND: [*FACILITIES_VIEW, *CASES_VIEW, *TRACING_VIEW, *COLOUR],
    Role.CHECKPOINT_STAFF: COLOUR,
    # the public trajectory notices (行程轨迹), for release: no name, number or home address
    Role.PUBLICITY_OFFICE: NOTICES,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]

# Medical treatment (issue #10): the health commission (its medical treatment group, 医疗救治组)
# orders admissions and transfers and runs allocations; the receiving facility's staff accept or
# refuse; both record the transport; command offices watch orders and beds.
TREATMENT_VIEW: list[StrEnum] = [TreatmentPerm.VIEW_ORDER, TreatmentPerm.VIEW_STAY]
for _role, _perms in {
    Role.CLINIC_STAFF: [
        *TREATMENT_VIEW,
        TreatmentPerm.RECEIVE_ORDER,
        TreatmentPerm.CHANGE_TRANSPORT,
    ],
    Role.HEALTH_COMMISSION: [
        *TREATMENT_VIEW,
        TreatmentPerm.ADD_ORDER,
        TreatmentPerm.RECEIVE_ORDER,
        TreatmentPerm.CHANGE_TRANSPORT,
        TreatmentPerm.CHANGE_POLICY,
    ],
    Role.COUNTY_COMMAND: TREATMENT_VIEW,
    Role.CITY_COMMAND: TREATMENT_VIEW,
    Role.PROVINCE_COMMAND: TREATMENT_VIEW,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# Medical staff (医护人员, issue #10 point 8): rosters and rotation, exposures, family care.
MEDICAL_STAFF_VIEW: list[StrEnum] = [
    MedicalStaffPerm.VIEW_STAFF,
    MedicalStaffPerm.VIEW_EXPOSURE,
    MedicalStaffPerm.VIEW_FAMILYCARE,
]
MEDICAL_STAFF_MANAGE: list[StrEnum] = [
    MedicalStaffPerm.ADD_STAFF,
    MedicalStaffPerm.CHANGE_STAFF,
    MedicalStaffPerm.MANAGE_ROSTER,
    MedicalStaffPerm.ADD_EXPOSURE,
    MedicalStaffPerm.ADD_FAMILYCARE,
]
for _role, _perms in {
    Role.CLINIC_STAFF: [*MEDICAL_STAFF_VIEW, *MEDICAL_STAFF_MANAGE],
    Role.HEALTH_COMMISSION: [*MEDICAL_STAFF_VIEW, *MEDICAL_STAFF_MANAGE],
    Role.COUNTY_COMMAND: MEDICAL_STAFF_VIEW,
    Role.CITY_COMMAND: MEDICAL_STAFF_VIEW,
    Role.PROVINCE_COMMAND: MEDICAL_STAFF_VIEW,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# Unified command (统一指挥, issue #11): leading groups, 包保 responsibility, the five secretaries.
# The command offices of every level (the village's is its secretary) manage the groups and
# secretaries of their own division (and below); the organization department views them; every
# other working role sees the chain of secretaries and responsible leaders of a village or grid.
COMMAND_VIEW: list[StrEnum] = [CommandPerm.VIEW_GROUP, CommandPerm.VIEW_CHAIN]
COMMAND_MANAGE: list[StrEnum] = [
    *COMMAND_VIEW,
    CommandPerm.MANAGE_GROUP,
    CommandPerm.MANAGE_SECRETARY,
]
CHAIN_VIEW: list[StrEnum] = [CommandPerm.VIEW_CHAIN]
for _role, _perms in {
    Role.VILLAGE_SECRETARY: COMMAND_MANAGE,
    Role.TOWNSHIP_COMMAND: COMMAND_MANAGE,
    Role.COUNTY_COMMAND: COMMAND_MANAGE,
    Role.CITY_COMMAND: COMMAND_MANAGE,
    Role.PROVINCE_COMMAND: COMMAND_MANAGE,
    Role.ORGANIZATION_DEPT: COMMAND_VIEW,
    Role.GRID_WORKER: CHAIN_VIEW,
    Role.CHECKPOINT_STAFF: CHAIN_VIEW,
    Role.CLINIC_STAFF: CHAIN_VIEW,
    Role.HEALTH_COMMISSION: CHAIN_VIEW,
    Role.SUPPLIES_OFFICER: CHAIN_VIEW,
    Role.PUBLICITY_OFFICE: CHAIN_VIEW,
    Role.SYSADMIN: CHAIN_VIEW,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# Directives and closure orders (指令, issue #11): the command offices from the township up issue
# them down their subtree and answer those from above; the village (its secretary) answers,
# passes on to its grids and keeps its venues; grid workers confirm their venues closed; the
# organization department reads.
DIRECTIVE_ANSWER: list[StrEnum] = [
    CommandPerm.VIEW_DIRECTIVE,
    CommandPerm.ANSWER_DIRECTIVE,
    CommandPerm.VIEW_VENUE,
    CommandPerm.MANAGE_VENUE,
    CommandPerm.CONFIRM_CLOSURE,
]
DIRECTIVE_ISSUE: list[StrEnum] = [*DIRECTIVE_ANSWER, CommandPerm.ISSUE_DIRECTIVE]
DIRECTIVE_GRID: list[StrEnum] = [
    CommandPerm.VIEW_DIRECTIVE,
    CommandPerm.VIEW_VENUE,
    CommandPerm.CONFIRM_CLOSURE,
]
DIRECTIVE_READ: list[StrEnum] = [CommandPerm.VIEW_DIRECTIVE, CommandPerm.VIEW_VENUE]
DIRECTIVE_DEPARTMENT: list[StrEnum] = [CommandPerm.VIEW_DIRECTIVE, CommandPerm.ANSWER_DIRECTIVE]
for _role, _perms in {
    Role.VILLAGE_SECRETARY: DIRECTIVE_ANSWER,
    Role.TOWNSHIP_COMMAND: DIRECTIVE_ISSUE,
    Role.COUNTY_COMMAND: DIRECTIVE_ISSUE,
    Role.CITY_COMMAND: DIRECTIVE_ISSUE,
    Role.PROVINCE_COMMAND: DIRECTIVE_ISSUE,
    Role.GRID_WORKER: DIRECTIVE_GRID,
    Role.ORGANIZATION_DEPT: DIRECTIVE_READ,
    Role.HEALTH_COMMISSION: DIRECTIVE_DEPARTMENT,
    Role.SUPPLIES_OFFICER: DIRECTIVE_DEPARTMENT,
    Role.PUBLICITY_OFFICE: DIRECTIVE_DEPARTMENT,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# The daily supervision report (工作督查日报告, issue #11): every division from the village up
# submits its own; the level above approves, returns, marks missing and reopens; the province's
# command office sets the deadlines and sends the summary to the committee; the organization
# department reads.
REPORTS_SUBMIT: list[StrEnum] = [ReportsPerm.VIEW_REPORT, ReportsPerm.SUBMIT_REPORT]
REPORTS_REVIEW: list[StrEnum] = [*REPORTS_SUBMIT, ReportsPerm.APPROVE_REPORT]
REPORTS_PROVINCE: list[StrEnum] = [
    *REPORTS_REVIEW,
    ReportsPerm.CONFIGURE_DEADLINES,
    ReportsPerm.VIEW_SUMMARY,
    ReportsPerm.GENERATE_SUMMARY,
]
REPORTS_READ: list[StrEnum] = [ReportsPerm.VIEW_REPORT, ReportsPerm.VIEW_SUMMARY]
for _role, _perms in {
    Role.VILLAGE_SECRETARY: REPORTS_SUBMIT,
    Role.TOWNSHIP_COMMAND: REPORTS_REVIEW,
    Role.COUNTY_COMMAND: REPORTS_REVIEW,
    Role.CITY_COMMAND: REPORTS_REVIEW,
    Role.PROVINCE_COMMAND: REPORTS_PROVINCE,
    Role.ORGANIZATION_DEPT: REPORTS_READ,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# Supplies (物资保障, issue #12): the supplies office keeps the catalogue, the stores and the
# ledger, approves and allocates requests, dispatches production and records donations; a
# facility books its receipts and consumption, counts its store and requests; a community
# requests; command offices and the health commission read.
SUPPLIES_READ: list[StrEnum] = [SuppliesPerm.VIEW_STOCK, SuppliesPerm.VIEW_PRODUCTION]
SUPPLIES_FACILITY: list[StrEnum] = [
    SuppliesPerm.VIEW_STOCK,
    SuppliesPerm.BOOK_MOVEMENT,
    SuppliesPerm.COUNT_STOCK,
    SuppliesPerm.REQUEST,
]
SUPPLIES_OFFICE: list[StrEnum] = list(SuppliesPerm)
_supplies: dict[Role, list[StrEnum]] = {
    Role.SUPPLIES_OFFICER: SUPPLIES_OFFICE,
    Role.CLINIC_STAFF: SUPPLIES_FACILITY,
    Role.VILLAGE_SECRETARY: [SuppliesPerm.VIEW_STOCK, SuppliesPerm.REQUEST],
    Role.TOWNSHIP_COMMAND: SUPPLIES_READ,
    Role.COUNTY_COMMAND: SUPPLIES_READ,
    Role.CITY_COMMAND: SUPPLIES_READ,
    Role.PROVINCE_COMMAND: SUPPLIES_READ,
    Role.HEALTH_COMMISSION: SUPPLIES_READ,
}
for _role, _perms in _supplies.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


# Early warning (监测预警, issue #13): command offices and the health commission read the
# indicators, Rt and signals of their area and give signals their verdict; the province's command
# office and the health commission import reported counts and set the methods' parameters; a
# city's command office imports its own counts; the organisation department reads.
WARNING_READ: list[StrEnum] = [WarningPerm.VIEW]
WARNING_JUDGE: list[StrEnum] = [WarningPerm.VIEW, WarningPerm.JUDGE]
_warning: dict[Role, list[StrEnum]] = {
    Role.TOWNSHIP_COMMAND: WARNING_READ,
    Role.COUNTY_COMMAND: WARNING_JUDGE,
    Role.CITY_COMMAND: [*WARNING_JUDGE, WarningPerm.IMPORT_COUNTS],
    Role.PROVINCE_COMMAND: list(WarningPerm),
    Role.HEALTH_COMMISSION: list(WarningPerm),
    Role.ORGANIZATION_DEPT: WARNING_READ,
}
for _role, _perms in _warning.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]


def group_name(role: str) -> str:
    return f"role:{role}"


def sync_roles(apps: Any = None) -> None:
    """Create or update one Group per role with exactly its permissions."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=group_name(role))
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def sync_roles_in_migration(apps: Any, schema_editor: Any) -> None:
    """For a data migration: create the permissions known so far, then sync the role groups.

    Permissions are normally created after all migrations ran; a migration that grants them to
    roles has to create them first. Each app that adds permissions ends its migrations with one
    ``RunPython(sync_roles_in_migration)``.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)
