"""The facility's page: its data, its wards with beds by type and its experts on site, and the
forms that change them (the health commission); bad input shows on the form, never as a 500."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.medical.choices import BedType
from fangkong.medical.models import Expert, Facility, Ward
from fangkong.medical.tests.factories import (
    fill_ward,
    make_clinic,
    make_expert,
    make_hospital,
    make_ward,
)

Make = Callable[..., User]
Clients = Callable[[User | None], Client]


@pytest.fixture
def commission(tree: SimpleNamespace, make_user: Make) -> User:
    return make_user(tree.changchun, roles=[Role.HEALTH_COMMISSION])


@pytest.fixture
def hospital(tree: SimpleNamespace) -> Facility:
    return make_hospital(tree.nanguan, name="长春市传染病医院")


def _ward_post(ward: Ward, **fields: str) -> dict[str, str]:
    return {f"ward{ward.pk}-{k}": v for k, v in fields.items()}


def test_the_list_links_each_facility_to_its_page(
    tree: SimpleNamespace, hospital: Facility, commission: User, client_for: Clients
) -> None:
    # given a hospital in the commission's city
    # when the commission opens the list
    response = client_for(commission).get(reverse("medical:list"))

    # then the name links to the facility's page, and the table scrolls on a phone
    html = response.content.decode()
    assert f'href="{reverse("medical:detail", args=[hospital.pk])}"' in html
    assert '<div class="table-wrap">' in html


def test_the_page_shows_the_facility_its_wards_and_experts(
    tree: SimpleNamespace, hospital: Facility, commission: User, client_for: Clients
) -> None:
    # given a hospital with two wards, one with patients, and an expert on site
    icu = fill_ward(make_ward(hospital, BedType.ICU, 10, name="重症一区"), occupied=3, reserved=1)
    make_ward(hospital, BedType.ISOLATION_WARD, 40, name="隔离一区", out_of_service=2)
    make_expert(hospital, name="李重症")

    # when the commission opens the facility's page
    response = client_for(commission).get(hospital.get_absolute_url())

    # then it shows the facility, each ward's beds and the free beds, and the expert
    assert response.status_code == 200
    html = response.content.decode()
    assert "王主任" in html and "重症一区" in html and "李重症" in html
    assert icu.free == 6
    row = html[html.index(f'data-ward="{icu.pk}"') :]
    assert '<td class="num" data-field="free"><strong>6</strong>' in row
    assert '<td class="num" data-field="occupied">3</td>' in row
    # the totals of open wards: 50 beds, 6 + 38 free
    assert '<th class="num">44</th>' in html
    # and the forms to add a ward or an expert, labelled
    assert 'for="id_ward-capacity"' in html and 'for="id_expert-name"' in html


def test_a_viewer_sees_the_page_without_forms(
    tree: SimpleNamespace, hospital: Facility, make_user: Make, client_for: Clients
) -> None:
    viewer = make_user(tree.changchun, roles=[Role.CITY_COMMAND])
    make_ward(hospital, BedType.ICU, 10)
    response = client_for(viewer).get(hospital.get_absolute_url())
    assert response.status_code == 200
    assert "id_ward-capacity" not in response.content.decode()
    assert (
        client_for(viewer).post(reverse("medical:ward_add", args=[hospital.pk])).status_code == 403
    )


def test_out_of_scope_the_page_and_every_form_answer_404(
    tree: SimpleNamespace, hospital: Facility, make_user: Make, client_for: Clients
) -> None:
    # given a commission of 吉林市 and a hospital of 长春市 with a ward and an expert
    other = client_for(make_user(tree.jilin_city, roles=[Role.HEALTH_COMMISSION]))
    ward = make_ward(hospital, BedType.ICU, 10)
    expert = make_expert(hospital)

    # when it asks for the page or posts to any form
    answers = [
        other.get(hospital.get_absolute_url()).status_code,
        other.post(reverse("medical:ward_add", args=[hospital.pk]), {"ward-name": "x"})
        .status_code,
        other.post(reverse("medical:ward_edit", args=[ward.pk]), _ward_post(ward, capacity="1"))
        .status_code,
        other.post(reverse("medical:expert_add", args=[hospital.pk])).status_code,
        other.post(reverse("medical:expert_leave", args=[expert.pk])).status_code,
        other.get(reverse("medical:detail", args=[999999])).status_code,
    ]  # fmt: skip

    # then every answer is 404, the same as for a facility that does not exist
    assert answers == [404] * 6
    assert Ward.objects.get(pk=ward.pk).capacity == 10


def test_adding_a_ward(hospital: Facility, commission: User, client_for: Clients) -> None:
    # when the commission adds a ward of negative-pressure beds
    response = client_for(commission).post(
        reverse("medical:ward_add", args=[hospital.pk]),
        {"ward-name": "负压一区", "ward-bed_type": "negative_pressure", "ward-capacity": "16",
         "ward-out_of_service": "1"},
    )  # fmt: skip

    # then it is recorded, audited, and the page shows it
    assert response.status_code == 302
    assert response["Location"] == hospital.get_absolute_url()
    ward = Ward.objects.get(facility=hospital, name="负压一区")
    assert (ward.capacity, ward.out_of_service, ward.free) == (16, 1, 15)
    assert ward.division_path == hospital.division_path
    assert AuditEvent.objects.filter(action="medical.ward_create").count() == 1


@pytest.mark.parametrize(
    ("capacity", "out_of_service", "message"),
    [
        ("-1", "0", "Ensure this value is greater than or equal to 0."),
        ("3.5", "0", "Enter a whole number."),
        ("abc", "0", "Enter a whole number."),
        ("10001", "0", "A number of beds is a whole number from 0 to 10000."),
        ("5", "6", "Beds out of service cannot exceed the ward's beds."),
    ],
)
def test_a_ward_with_bad_numbers_is_refused_on_the_form(
    hospital: Facility,
    commission: User,
    client_for: Clients,
    capacity: str,
    out_of_service: str,
    message: str,
) -> None:
    client = client_for(commission)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("medical:ward_add", args=[hospital.pk]),
        {"ward-name": "坏病区", "ward-bed_type": "icu", "ward-capacity": capacity,
         "ward-out_of_service": out_of_service},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 200
    errors = [e for found in response.context["ward_form"].errors.values() for e in found]
    assert message in errors
    assert response.context["opened"] == "ward"
    assert not Ward.objects.filter(name="坏病区").exists()


def test_a_bed_type_the_kind_does_not_hold_is_refused(
    tree: SimpleNamespace, commission: User, client_for: Clients
) -> None:
    # given a fever clinic (isolation ward and observation beds only)
    clinic = make_clinic(tree.nanguan, name="南关区发热门诊")

    # when the commission sends ICU beds for it
    response = client_for(commission).post(
        reverse("medical:ward_add", args=[clinic.pk]),
        {"ward-name": "重症", "ward-bed_type": "icu", "ward-capacity": "4",
         "ward-out_of_service": "0"},
    )  # fmt: skip

    # then the form refuses it (the choice is not even offered)
    assert response.status_code == 200
    assert response.context["ward_form"].errors["bed_type"]
    assert not Ward.objects.filter(facility=clinic).exists()
    assert 'value="icu"' not in response.content.decode()


def test_changing_a_ward(hospital: Facility, commission: User, client_for: Clients) -> None:
    ward = make_ward(hospital, BedType.ISOLATION_WARD, 40)
    response = client_for(commission).post(
        reverse("medical:ward_edit", args=[ward.pk]),
        _ward_post(ward, capacity="60", out_of_service="5", active="on"),
    )
    assert response.status_code == 302
    ward.refresh_from_db()
    assert (ward.capacity, ward.out_of_service, ward.free) == (60, 5, 55)


def test_a_ward_with_patients_cannot_close_nor_shrink_below_them(
    hospital: Facility, commission: User, client_for: Clients
) -> None:
    # given a ward with 3 patients and 2 beds reserved (by the treatment app's counters)
    ward = fill_ward(make_ward(hospital, BedType.ISOLATION_WARD, 10), occupied=3, reserved=2)
    client = client_for(commission)
    url = reverse("medical:ward_edit", args=[ward.pk])

    # when the commission closes it, or cuts it to 4 beds
    closing = client.post(url, _ward_post(ward, capacity="10", out_of_service="0"))
    shrinking = client.post(url, _ward_post(ward, capacity="4", out_of_service="0", active="on"))

    # then both are refused on the ward's form, opened, and the ward is unchanged
    for response, field in ((closing, "active"), (shrinking, "capacity")):
        assert response.status_code == 200
        form = response.context["wards"][0][1]
        assert form.errors[field]
        assert response.context["opened"] == f"ward{ward.pk}"
    ward.refresh_from_db()
    assert (ward.capacity, ward.active, ward.occupied, ward.reserved) == (10, True, 3, 2)


def test_occupied_beds_are_not_a_field_of_any_form(
    hospital: Facility, commission: User, client_for: Clients
) -> None:
    ward = make_ward(hospital, BedType.ISOLATION_WARD, 10)
    client_for(commission).post(
        reverse("medical:ward_edit", args=[ward.pk]),
        {**_ward_post(ward, capacity="10", out_of_service="0", active="on"),
         f"ward{ward.pk}-occupied": "7"},
    )  # fmt: skip
    ward.refresh_from_db()
    assert ward.occupied == 0


def test_an_expert_arrives_and_leaves(
    hospital: Facility, commission: User, client_for: Clients
) -> None:
    client = client_for(commission)
    since = timezone.localdate() - dt.timedelta(days=3)

    # when the commission records an expert and, later, that the expert left
    added = client.post(
        reverse("medical:expert_add", args=[hospital.pk]),
        {"expert-name": "张呼吸", "expert-specialty": "呼吸科",
         "expert-home_hospital": "吉林大学第一医院", "expert-since": since.isoformat()},
    )  # fmt: skip
    expert = Expert.objects.get(name="张呼吸")
    left = client.post(
        reverse("medical:expert_leave", args=[expert.pk]), {f"expert{expert.pk}-until": ""}
    )

    # then the expert was on site from that day until today, and the page lists them as gone
    assert added.status_code == left.status_code == 302
    expert.refresh_from_db()
    assert (expert.since, expert.until) == (since, timezone.localdate())
    page = client.get(hospital.get_absolute_url())
    assert page.context["present"] == [] and page.context["past"] == [expert]


def test_an_expert_cannot_leave_before_arriving_nor_arrive_in_the_future(
    hospital: Facility, commission: User, client_for: Clients
) -> None:
    client = client_for(commission)
    expert = make_expert(hospital, since=timezone.localdate())
    before = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    leaving = client.post(
        reverse("medical:expert_leave", args=[expert.pk]), {f"expert{expert.pk}-until": before}
    )
    arriving = client.post(
        reverse("medical:expert_add", args=[hospital.pk]),
        {"expert-name": "未来", "expert-specialty": "x", "expert-home_hospital": "y",
         "expert-since": future},
    )  # fmt: skip

    assert leaving.status_code == arriving.status_code == 200
    assert leaving.context["present"][0][1].errors["until"]
    assert arriving.context["expert_form"].errors["since"]
    assert Expert.objects.get(pk=expert.pk).until is None
    assert not Expert.objects.filter(name="未来").exists()


def test_the_facility_form_takes_the_new_fields(
    tree: SimpleNamespace, commission: User, client_for: Clients
) -> None:
    # when the commission adds a facility with its level, contact and opening day
    response = client_for(commission).post(
        reverse("medical:new"),
        {"name": "长春市方舱医院", "kind": "makeshift_hospital", "division": tree.nanguan.code,
         "level": "none", "contact_name": "赵院长", "opened_on": "2022-03-15",
         "closed_on": "2022-03-10", "active": "on"},
    )  # fmt: skip

    # then closing before opening is refused; without it the facility is recorded
    assert response.status_code == 200
    assert response.context["form"].errors["closed_on"]
    response = client_for(commission).post(
        reverse("medical:new"),
        {"name": "长春市方舱医院", "kind": "makeshift_hospital", "division": tree.nanguan.code,
         "level": "none", "contact_name": "赵院长", "opened_on": "2022-03-15", "active": "on"},
    )  # fmt: skip
    facility = Facility.objects.get(name="长春市方舱医院")
    assert response["Location"] == facility.get_absolute_url()
    assert (facility.contact_name, facility.opened_on) == ("赵院长", dt.date(2022, 3, 15))

    # and the edit form starts from them
    edit = client_for(commission).get(reverse("medical:edit", args=[facility.pk]))
    assert edit.context["form"].initial["contact_name"] == "赵院长"
    assert edit.context["form"].initial["opened_on"] == dt.date(2022, 3, 15)


def test_the_page_runs_a_bounded_number_of_queries(
    hospital: Facility,
    commission: User,
    client_for: Clients,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(8):
        make_ward(hospital, BedType.ISOLATION_WARD, 10 + n, name=f"病区{n}")
        make_expert(hospital, name=f"专家{n}")
    client = client_for(commission)
    client.get(hospital.get_absolute_url())  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        assert client.get(hospital.get_absolute_url()).status_code == 200
