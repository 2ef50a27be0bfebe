"""Pages and API through the test client (real database): the roster grid, the rule's refusal
as a form error and a 409, bad input as 400 or 404, never a 500."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.medical_staff import actions
from fangkong.medical_staff.choices import ShiftKind
from fangkong.medical_staff.forms import cell_name
from fangkong.medical_staff.models import Shift


def _client(user: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(user)


def test_the_staff_list_filters_by_facility_and_name(ms: SimpleNamespace, client_for) -> None:
    client = client_for(ms.county)
    page = client.get(reverse("medical_staff:list"), {"q": "林"}).content.decode()
    assert "林晓雯" in page and "周正阳" not in page and "吴春燕" not in page
    assert client.get(reverse("medical_staff:list"), {"after": "１２"}).status_code == 400


def test_the_roster_page_saves_a_week_and_refuses_one_breaking_the_rule(
    ms: SimpleNamespace, client_for
) -> None:
    client = client_for(ms.clinic)
    monday = dt.date(2020, 3, 16)
    url = reverse("medical_staff:roster", args=[ms.hospital.pk]) + f"?week={monday}"
    assert "林晓雯" in client.get(url).content.decode()
    week = {
        cell_name(ms.nurse, monday + dt.timedelta(days=i)): f"day:{ms.ward.pk}" for i in range(7)
    }
    assert client.post(url, week).status_code == 302
    assert Shift.objects.filter(staff=ms.nurse).count() == 7
    # the week before and after in the ward makes 21 days in a row: refused, nothing written
    actions.save_roster(
        actor=None,
        facility=ms.hospital,
        start=monday - dt.timedelta(days=7),
        end=monday - dt.timedelta(days=1),
        shifts=[
            actions.PlannedShift(ms.nurse, monday - dt.timedelta(days=i), ShiftKind.DAY, ms.ward)
            for i in range(1, 8)
        ],
    )
    nxt = monday + dt.timedelta(days=7)
    url = reverse("medical_staff:roster", args=[ms.hospital.pk]) + f"?week={nxt}"
    response = client.post(url, {cell_name(ms.nurse, nxt): f"night:{ms.ward.pk}"})
    assert response.status_code == 200
    assert "林晓雯" in str(response.context["form"].non_field_errors())
    assert Shift.objects.filter(staff=ms.nurse).count() == 14
    assert (
        client.get(
            reverse("medical_staff:roster", args=[ms.hospital.pk]), {"week": "2020-13-01"}
        ).status_code
        == 400
    )


def test_the_api_saves_a_roster_and_answers_409_for_a_break(
    ms: SimpleNamespace, client_for
) -> None:
    client = client_for(ms.clinic)
    url = f"/api/medical-staff/facilities/{ms.hospital.pk}/roster"
    start = dt.date(2020, 3, 2)
    shifts = [
        {
            "staff_id": ms.nurse.pk,
            "day": str(start + dt.timedelta(days=i)),
            "shift": "day",
            "ward_id": ms.ward.pk,
        }
        for i in range(15)
    ]
    body = {"start": str(start), "end": str(start + dt.timedelta(days=14)), "shifts": shifts}
    response = client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 409 and "林晓雯" in response.json()["message"]
    assert not Shift.objects.exists()
    body["shifts"] = shifts[:14]
    response = client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and len(response.json()["shifts"]) == 14
    # bad input: a ward of another facility, another jurisdiction's staff, dates out of bounds
    bad = {**body, "shifts": [{**shifts[0], "ward_id": ms.other_ward.pk}]}
    assert client.put(url, json.dumps(bad), content_type="application/json").status_code == 404
    bad = {**body, "shifts": [{**shifts[0], "staff_id": ms.sibling_staff.pk}]}
    assert client.put(url, json.dumps(bad), content_type="application/json").status_code == 404
    bad = {**body, "start": "1899-12-31"}  # the schema's bounds: the API's 422, as everywhere
    assert client.put(url, json.dumps(bad), content_type="application/json").status_code == 422
    bad = {**body, "end": "2020-05-30"}
    assert client.put(url, json.dumps(bad), content_type="application/json").status_code == 400


def test_the_api_lists_staff_and_who_is_due(ms: SimpleNamespace, client_for) -> None:
    client = client_for(ms.county)
    names = [s["name"] for s in client.get("/api/medical-staff").json()["items"]]
    assert set(names) == {"林晓雯", "周正阳"}
    today = timezone.localdate()
    actions.save_roster(
        actor=None,
        facility=ms.hospital,
        start=today - dt.timedelta(days=12),
        end=today,
        shifts=[
            actions.PlannedShift(ms.nurse, today - dt.timedelta(days=i), ShiftKind.DAY, ms.ward)
            for i in range(13)
        ],
    )
    due = client.get("/api/medical-staff/due-for-rotation").json()
    assert [d["staff"]["name"] for d in due] == ["林晓雯"] and due[0]["day_of_run"] == 13
    assert "林晓雯" in client.get(reverse("medical_staff:rotation")).content.decode()


def test_the_api_records_an_exposure_and_family_care(ms: SimpleNamespace, client_for) -> None:
    client = client_for(ms.clinic)
    today = str(timezone.localdate())
    body = {"occurred_on": today, "kind": "needlestick", "description": "针刺伤"}
    response = client.post(
        f"/api/medical-staff/{ms.nurse.pk}/exposures", body, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["observation_id"]
    response = client.post(
        f"/api/medical-staff/{ms.doctor.pk}/exposures", body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "no_person"
    response = client.post(
        f"/api/medical-staff/{ms.sibling_staff.pk}/exposures", body, content_type="application/json"
    )
    assert response.status_code == 404
    care = {"kind": "daily_needs", "grid": ms.tree.grid1.code, "description": "代购蔬菜"}
    response = client.post(
        f"/api/medical-staff/{ms.nurse.pk}/family-care", care, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["care_status"] == "open"
    care["grid"] = "229999999999"
    response = client.post(
        f"/api/medical-staff/{ms.nurse.pk}/family-care", care, content_type="application/json"
    )
    assert response.status_code == 400


def test_the_pages_of_exposures_and_family_care(ms: SimpleNamespace, client_for) -> None:
    client = client_for(ms.clinic)
    url = reverse("medical_staff:family_new", args=[ms.nurse.pk])
    data = {
        "kind": "childcare",
        "grid": ms.tree.grid1.code,
        "urgency": "normal",
        "description": "看护孩子",
    }
    assert client.post(url, data).status_code == 302
    assert "林晓雯" in client.get(reverse("medical_staff:family")).content.decode()
    url = reverse("medical_staff:exposure_new", args=[ms.doctor.pk])
    data = {"occurred_on": str(timezone.localdate()), "kind": "splash", "description": "喷溅"}
    response = client.post(url, data)
    assert response.status_code == 200 and "周正阳" in str(response.context["form"].errors)
    data["occurred_on"] = "3000-01-01"
    assert client.post(url, data).status_code == 200


def test_the_province_sets_the_rotation_rule_and_a_county_cannot(
    ms: SimpleNamespace, make_user: Callable[..., User], client_for
) -> None:
    from fangkong.audit.models import AuditEvent
    from fangkong.medical_staff.models import RotationRule

    # given the province's health commission and a county's
    province = make_user(ms.tree.province, roles=["health_commission"])
    county = make_user(ms.tree.nanguan, roles=["health_commission"])
    url = reverse("medical_staff:rule")

    # when the county tries to change the rule, it is refused and nothing is written
    response = client_for(county).post(url, {"max_days": "10", "rest_days": "7"})
    assert response.status_code == 403
    assert not RotationRule.objects.exists()
    page = client_for(county).get(reverse("medical_staff:rotation")).content.decode()
    assert 'action="/medical-staff/rotation/rule/"' not in page

    # a bad number is answered on the page, nothing written
    response = client_for(province).post(url, {"max_days": "0", "rest_days": "7"})
    assert response.status_code == 400
    assert not RotationRule.objects.exists()

    # then the province sets it: audited, and the county's page reads it
    response = client_for(province).post(url, {"max_days": "10", "rest_days": "7"})
    assert response.status_code == 302
    rule = RotationRule.objects.get()
    assert (rule.max_days, rule.rest_days) == (10, 7)
    assert AuditEvent.objects.filter(action="medical_staff.rule_set").count() == 1
    page = client_for(county).get(reverse("medical_staff:rotation")).content.decode()
    assert "10" in page and "7" in page
