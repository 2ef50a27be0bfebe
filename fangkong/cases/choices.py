"""The terms of first diagnosis, the case report card (传染病报告卡) and the laboratory."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NATIONAL_REPORT_HOURS = 2  # a case is reported to the national system within 2 h of diagnosis
REFERRAL_ARRIVAL_HOURS = 24  # a referred person not at a clinic within 24 h is on the to-do list
DISCHARGE_NORMAL_DAYS = 3  # discharge: temperature normal for more than 3 days
NEGATIVE_GAP_HOURS = 24  # two negative results sampled at least 24 h apart


class Decision(models.TextChoices):
    """The doctor's decision at the fever clinic (首诊)."""

    PENDING = "pending", _("waiting for the doctor's decision")
    HOME_OBSERVATION = "home_observation", _("home medical observation")
    SUSPECTED = "suspected", _("suspected case, isolated on the spot")
    NO_RISK = "no_risk", _("no epidemiological risk, sent home")


class Category(models.TextChoices):
    SUSPECTED = "suspected", _("suspected case")
    CONFIRMED = "confirmed", _("confirmed case")
    ASYMPTOMATIC = "asymptomatic", _("asymptomatic infection")
    EXCLUDED = "excluded", _("excluded")


class Severity(models.TextChoices):
    MILD = "mild", _("mild")
    ORDINARY = "ordinary", _("ordinary")
    SEVERE = "severe", _("severe")
    CRITICAL = "critical", _("critical")


class CaseOutcome(models.TextChoices):
    """Where a case stands in its course (the category says what it is)."""

    ISOLATED = "isolated", _("isolated")
    ADMITTED = "admitted", _("admitted")
    DISCHARGED = "discharged", _("discharged")
    DIED = "died", _("died")
    CLOSED = "closed", _("closed (excluded)")


class Importation(models.TextChoices):
    LOCAL = "local", _("local")
    OTHER_PROVINCE = "other_province", _("imported from another province")
    ABROAD = "abroad", _("imported from abroad")


class Occupation(models.TextChoices):
    """人群分类 of the national report card."""

    CHILD_NURSERY = "child_nursery", _("child in a nursery")
    CHILD_HOME = "child_home", _("child cared for at home")
    STUDENT = "student", _("student")
    TEACHER = "teacher", _("teacher")
    CARER = "carer", _("nursery carer")
    FOOD = "food", _("catering and food industry")
    SERVICE = "service", _("commercial services")
    MEDICAL = "medical", _("medical staff")
    WORKER = "worker", _("worker")
    MIGRANT_WORKER = "migrant_worker", _("migrant worker")
    FARMER = "farmer", _("farmer")
    HERDER = "herder", _("herder")
    FISHER = "fisher", _("fisher or boatman")
    OFFICE = "office", _("cadre or office worker")
    RETIRED = "retired", pgettext_lazy("occupation", "retired")
    HOUSEWORK = "housework", _("housework or unemployed")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


class SampleType(models.TextChoices):
    THROAT_SWAB = "throat_swab", _("throat swab")
    NASAL_SWAB = "nasal_swab", _("nasopharyngeal swab")
    SPUTUM = "sputum", _("sputum")
    BALF = "balf", _("bronchoalveolar lavage fluid")
    BLOOD = "blood", _("blood or serum")
    ANAL_SWAB = "anal_swab", _("anal swab")


class Method(models.TextChoices):
    PCR = "pcr", _("nucleic acid (RT-PCR)")
    ANTIBODY = "antibody", _("antibody (IgM/IgG)")
    ANTIGEN = "antigen", _("antigen")


class Result(models.TextChoices):
    PENDING = "pending", _("pending")
    POSITIVE = "positive", _("positive")
    NEGATIVE = "negative", _("negative")
    INCONCLUSIVE = "inconclusive", _("inconclusive")
