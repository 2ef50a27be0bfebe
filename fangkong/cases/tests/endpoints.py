"""The jurisdiction-matrix entries of the cases app (see fangkong/core/tests/endpoints.py): one
per page and API operation, with builders that make a fresh case, in the state its step needs,
in a new grid of 华阳社区 (reported by a fever clinic of 南关区)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from fangkong.cases.choices import Category, Result
from fangkong.cases.models import Case as CaseRecord
from fangkong.cases.models import Sample
from fangkong.cases.tests import clinic_endpoints
from fangkong.cases.tests.factories import add_sample, make_case, make_person
from fangkong.core.tests.endpoints import LIST, SCOPED, Case, Target, World, exported

_numbers = itertools.count(1)


def _case(w: World, category: str = Category.SUSPECTED, *, reported: bool = True) -> CaseRecord:
    grid = w.grid()
    return make_case(
        grid,
        person=make_person(grid, name=w.name("矩阵病例")),
        category=category,
        reported=reported,
    )


def _at(case: CaseRecord, hours: float) -> dt.datetime:
    return case.diagnosed_at + dt.timedelta(hours=hours)


def _target(case: CaseRecord, data: dict | None = None) -> Target:
    return Target(home=case.address_division, args={"pk": case.pk}, data=data)


def case_record(w: World) -> Target:
    return _target(_case(w))


def case_listed(w: World) -> Target:
    case = _case(w)
    return Target(home=case.address_division, marker=case.number)


def case_within(w: World) -> Target:
    case = _case(w)
    return Target(home=case.address_division, query={"within": case.address_division.code})


def _positive(w: World) -> CaseRecord:
    case = _case(w)
    add_sample(case, Result.POSITIVE)
    return case


def confirm_form(w: World) -> Target:
    return _target(_positive(w), {"confirm-severity": "mild"})


def confirm_api(w: World) -> Target:
    return _target(_positive(w), {"severity": "mild"})


def asymptomatic(w: World) -> Target:
    return _target(_positive(w), {})


def _asymptomatic(w: World) -> CaseRecord:
    case = _case(w, Category.ASYMPTOMATIC)
    add_sample(case, Result.POSITIVE)
    return case


def onset_form(w: World) -> Target:
    today = timezone.localdate().isoformat()
    return _target(_asymptomatic(w), {"onset-onset_date": today, "onset-severity": "ordinary"})


def onset_api(w: World) -> Target:
    today = timezone.localdate().isoformat()
    return _target(_asymptomatic(w), {"onset_date": today, "severity": "ordinary"})


def _negatives(w: World) -> CaseRecord:
    case = _case(w)
    case.diagnosed_at -= dt.timedelta(days=3)
    CaseRecord.objects.filter(pk=case.pk).update(diagnosed_at=case.diagnosed_at)
    add_sample(case, Result.NEGATIVE, at=_at(case, 1))
    add_sample(case, Result.NEGATIVE, at=_at(case, 30))
    return case


def exclude_form(w: World) -> Target:
    return _target(_negatives(w), {"exclude-note": "矩阵：两次阴性"})


def exclude_api(w: World) -> Target:
    return _target(_negatives(w), {"note": "矩阵：两次阴性"})


def _recovered(w: World) -> CaseRecord:
    case = _case(w, Category.CONFIRMED)
    case.diagnosed_at -= dt.timedelta(days=10)
    CaseRecord.objects.filter(pk=case.pk).update(diagnosed_at=case.diagnosed_at)
    add_sample(case, Result.POSITIVE, at=_at(case, -1))
    add_sample(case, Result.NEGATIVE, at=_at(case, 24 * 6))
    add_sample(case, Result.NEGATIVE, at=_at(case, 24 * 7 + 2))
    return case


def _normal_since() -> str:
    return (timezone.localdate() - dt.timedelta(days=5)).isoformat()


def discharge_form(w: World) -> Target:
    return _target(
        _recovered(w),
        {
            "discharge-normal_since": _normal_since(),
            "discharge-symptoms_better": "on",
            "discharge-imaging_improved": "on",
        },
    )


def discharge_api(w: World) -> Target:
    return _target(
        _recovered(w),
        {"normal_since": _normal_since(), "symptoms_better": True, "imaging_improved": True},
    )


def death_form(w: World) -> Target:
    return _target(
        _case(w, Category.CONFIRMED), {"death-died_on": timezone.localdate().isoformat()}
    )


def death_api(w: World) -> Target:
    return _target(_case(w, Category.CONFIRMED), {"died_on": timezone.localdate().isoformat()})


def national_form(w: World) -> Target:
    return _target(_case(w, reported=False), {"national_report-at": ""})


def national_api(w: World) -> Target:
    return _target(_case(w, reported=False), {})


def _sample_values() -> dict[str, str]:
    at = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    return {
        "number": f"MX{next(_numbers):08d}{at:%H%M%S}",
        "sample_type": "throat_swab",
        "sampled_at": at.strftime("%Y-%m-%dT%H:%M"),
        "laboratory": "矩阵实验室",
        "method": "pcr",
    }


def sample_form(w: World) -> Target:
    values = _sample_values()
    return _target(_case(w), {f"sample-{k}": v for k, v in values.items()})


def sample_api(w: World) -> Target:
    values = _sample_values()
    values["sampled_at"] = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).isoformat()
    return _target(_case(w), values)


def _pending(w: World) -> Sample:
    case = _case(w)
    return add_sample(case, Result.PENDING, at=timezone.now() - dt.timedelta(hours=2))


def result_form(w: World) -> Target:
    sample = _pending(w)
    home = sample.case.address_division  # type: ignore[union-attr]
    return Target(
        home=home, args={"pk": sample.pk}, data={f"result-{sample.pk}-result": "negative"}
    )


def result_api(w: World) -> Target:
    sample = _pending(w)
    home = sample.case.address_division  # type: ignore[union-attr]
    return Target(home=home, args={"pk": sample.pk}, data={"result": "negative", "ct_n": None})


def lab_batch(w: World) -> Target:
    sample = _pending(w)
    home = sample.case.address_division  # type: ignore[union-attr]
    item = {"result": "negative"}
    return Target(
        home=home,
        data={"items": [{**item, "number": sample.number}]},
        absent={"items": [{**item, "number": "NO-SUCH-SAMPLE"}]},
    )


CASES: list[Case] = [
    # cases (病例)
    Case("cases:list", "GET", LIST, case_listed),
    Case("cases:detail", "GET", SCOPED, case_record),
    Case("cases:confirm", "POST", SCOPED, confirm_form, ok=(302,)),
    Case("cases:asymptomatic", "POST", SCOPED, asymptomatic, ok=(302,)),
    Case("cases:onset", "POST", SCOPED, onset_form, ok=(302,)),
    Case("cases:exclude", "POST", SCOPED, exclude_form, ok=(302,)),
    Case("cases:discharge", "POST", SCOPED, discharge_form, ok=(302,)),
    Case("cases:death", "POST", SCOPED, death_form, ok=(302,)),
    Case("cases:national_report", "POST", SCOPED, national_form, ok=(302,)),
    Case("cases:sample_add", "POST", SCOPED, sample_form, ok=(302,)),
    Case("cases:sample_result", "POST", SCOPED, result_form, ok=(302,)),
    Case("bulk:export", "GET", LIST, exported("cases", case_listed), variant="cases"),
    Case(
        "GET /api/exports/{name}",
        "GET",
        SCOPED,
        exported("cases", case_within, "xlsx", api=True),
        variant="cases",
    ),
    # REST API: cases
    Case("GET /api/cases", "GET", LIST, case_listed),
    Case("GET /api/cases", "GET", SCOPED, case_within, variant="within"),
    Case("GET /api/cases/{pk}", "GET", SCOPED, case_record),
    Case("POST /api/cases/{pk}/confirm", "POST", SCOPED, confirm_api),
    Case("POST /api/cases/{pk}/asymptomatic", "POST", SCOPED, asymptomatic),
    Case("POST /api/cases/{pk}/onset", "POST", SCOPED, onset_api),
    Case("POST /api/cases/{pk}/exclude", "POST", SCOPED, exclude_api),
    Case("POST /api/cases/{pk}/discharge", "POST", SCOPED, discharge_api),
    Case("POST /api/cases/{pk}/death", "POST", SCOPED, death_api),
    Case("POST /api/cases/{pk}/national-report", "POST", SCOPED, national_api),
    Case("POST /api/cases/{pk}/samples", "POST", SCOPED, sample_api, ok=(201,)),
    Case("POST /api/samples/{pk}/result", "POST", SCOPED, result_api),
    Case("POST /api/lab/results", "POST", SCOPED, lab_batch, form_ref=True),
]

# The fever clinic's entries (cases/tests/clinic_endpoints.py).
CASES += clinic_endpoints.CASES
