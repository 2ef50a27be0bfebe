"""The investigation pages through the test client: the list, opening an investigation,
recording movements with a new or a recorded place, the report (page and Word file) and the
public trajectory notice."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEvent
from fangkong.investigation import actions
from fangkong.investigation.choices import MovementTransport, PlaceKind
from fangkong.investigation.models import Investigation, Movement, Place

pytestmark = pytest.mark.django_db


def _open(inv):
    return actions.open_investigation(actor=inv.nanguan, case=inv.case, investigator_name="李调查")


def _with_movements(inv):
    investigation = _open(inv)
    station = actions.record_place(
        actor=inv.nanguan,
        name="长春站",
        kind=PlaceKind.STATION,
        address="人民大街1号",
        division=inv.tree.nanguan,
    )
    market = actions.record_place(
        actor=inv.nanguan,
        name="东市场",
        kind=PlaceKind.MARKET,
        address="东市场路1号",
        division=inv.tree.changyi,
    )
    actions.add_movement(
        actor=inv.nanguan,
        investigation=investigation,
        day=dt.date(2020, 1, 20),
        start_time=dt.time(8, 0),
        end_time=dt.time(9, 30),
        place=station,
        transport=MovementTransport.TRAIN,
        transport_number="K7382",
        seat="3车厢",
        protection="surgical",
    )
    actions.add_movement(
        actor=inv.nanguan,
        investigation=investigation,
        day=dt.date(2020, 1, 21),
        start_time=dt.time(10, 0),
        end_time=dt.time(11, 0),
        place=market,
        people_met="摊主2人",
    )
    return investigation


def test_the_list_shows_cases_waiting_and_opens_an_investigation(inv, client_for):
    client = client_for(inv.nanguan)
    # given the list: the county's case waits, the other county's does not show
    page = client.get(reverse("investigation:list")).content.decode()
    assert inv.case.number in page
    assert inv.other_case.number not in page
    # when the investigator starts the investigation
    response = client.post(reverse("investigation:open", args=[inv.case.pk]))
    # then its page opens, and a second start goes to the same one
    investigation = Investigation.objects.get(case=inv.case)
    assert response.status_code == 302
    assert response["Location"] == investigation.get_absolute_url()
    again = client.post(reverse("investigation:open", args=[inv.case.pk]))
    assert again["Location"] == investigation.get_absolute_url()
    assert Investigation.objects.count() == 1
    assert investigation.investigator_name == "李调查"


def test_a_case_of_another_county_answers_404(inv, client_for):
    client = client_for(inv.nanguan)
    assert client.post(reverse("investigation:open", args=[inv.other_case.pk])).status_code == 404
    theirs = actions.open_investigation(
        actor=inv.changyi, case=inv.other_case, investigator_name="赵"
    )
    assert client.get(reverse("investigation:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("investigation:docx", args=[theirs.pk])).status_code == 404


def test_the_list_filters_and_searches(inv, client_for):
    investigation = _open(inv)
    client = client_for(inv.nanguan)
    done = client.get(reverse("investigation:list"), {"status": "complete"}).content.decode()
    assert investigation.get_absolute_url() not in done
    found = client.get(reverse("investigation:list"), {"q": inv.case.number[-4:]}).content.decode()
    assert investigation.get_absolute_url() in found
    assert client.get(reverse("investigation:list"), {"after": "x"}).status_code == 400


def test_the_list_runs_a_bounded_number_of_queries(inv, client_for):
    from fangkong.cases.tests.factories import make_case

    client = client_for(inv.nanguan)
    _open(inv)
    client.get(reverse("investigation:list"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("investigation:list"))
    for _ in range(3):
        case = make_case(inv.tree.grid2)
        actions.open_investigation(actor=inv.nanguan, case=case, investigator_name="李")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("investigation:list"))
    assert len(many.captured_queries) == len(one.captured_queries)


def test_a_movement_with_a_new_place_then_with_a_recorded_place(inv, client_for):
    investigation = _open(inv)
    client = client_for(inv.nanguan)
    url = reverse("investigation:movement_add", args=[investigation.pk])
    form = {
        "day": "2020-01-20",
        "start_time": "08:00",
        "end_time": "09:30",
        "place": "new",
        "place_name": "欧亚卖场",
        "place_kind": "supermarket",
        "place_address": "开运街5178号",
        "place_division": inv.tree.nanguan.pk,
        "transport": "bus",
        "transport_number": "",
        "seat": "",
        "people_met": "",
        "protection": "surgical",
        "note": "",
    }
    assert client.post(url, form).status_code == 302
    place = Place.objects.get(name="欧亚卖场")
    # the place is offered again when searched
    page = client.get(investigation.get_absolute_url(), {"place_q": "欧亚"}).content.decode()
    assert f'value="{place.pk}"' in page
    again = {**form, "day": "2020-01-21", "place": str(place.pk), "place_name": ""}
    assert client.post(url, again).status_code == 302
    assert Movement.objects.filter(place=place).count() == 2
    assert Place.objects.count() == 1
    detail = client.get(investigation.get_absolute_url()).content.decode()
    assert "2020-01-20" in detail and "2020-01-21" in detail and "欧亚卖场" in detail


def test_a_new_place_keeps_its_coordinates_and_a_bad_one_is_answered(inv, client_for):
    investigation = _open(inv)
    client = client_for(inv.nanguan)
    url = reverse("investigation:movement_add", args=[investigation.pk])
    form = {
        "day": "2020-01-20",
        "place": "new",
        "place_name": "红旗街万达广场",
        "place_kind": "supermarket",
        "place_division": inv.tree.nanguan.pk,
        "protection": "none",
        "longitude": "125.2891",
        "latitude": "95.5",  # no such latitude
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert refused.context["movement_form"].errors["latitude"]
    assert not Place.objects.exists() and not Movement.objects.exists()
    assert client.post(url, {**form, "latitude": "43.8693"}).status_code == 302
    place = Place.objects.get(name="红旗街万达广场")
    assert (str(place.longitude), str(place.latitude)) == ("125.289100", "43.869300")


def test_a_movement_outside_the_window_shows_the_window(inv, client_for):
    investigation = _open(inv)
    client = client_for(inv.nanguan)
    response = client.post(
        reverse("investigation:movement_add", args=[investigation.pk]),
        {
            "day": "2019-12-30",
            "place": "new",
            "place_name": "欧亚卖场",
            "place_kind": "other",
            "place_division": inv.tree.nanguan.pk,
            "protection": "none",
        },
    )
    assert response.status_code == 200
    assert "2020-01-06" in response.content.decode()
    assert not Movement.objects.exists()
    assert not Place.objects.exists()  # the new place is not kept without its movement
    flight = client.post(
        reverse("investigation:movement_add", args=[investigation.pk]),
        {
            "day": "2020-01-20",
            "place": "new",
            "place_name": "龙嘉机场",
            "place_kind": "station",
            "place_division": inv.tree.nanguan.pk,
            "protection": "none",
            "transport": "flight",
        },
    )
    assert flight.status_code == 200
    assert flight.context["movement_form"].errors["transport_number"]


def test_sources_and_conclusion(inv, client_for):
    investigation = _open(inv)
    client = client_for(inv.nanguan)
    url = reverse("investigation:source_add", args=[investigation.pk])
    self_source = client.post(url, {"kind": "case", "source_case": inv.case.number})
    assert self_source.status_code == 200
    assert self_source.context["source_form"].errors["source_case"]
    assert client.post(url, {"kind": "key_area", "area": "湖北省武汉市"}).status_code == 302
    done = client.post(
        reverse("investigation:complete", args=[investigation.pk]), {"conclusion": "输入病例。"}
    )
    assert done.status_code == 302
    page = client.get(investigation.get_absolute_url()).content.decode()
    assert "湖北省武汉市" in page and "输入病例。" in page


def test_the_report_page_and_the_word_file_hold_the_movements(inv, client_for):
    investigation = _with_movements(inv)
    client = client_for(inv.nanguan)
    page = client.get(reverse("investigation:report", args=[investigation.pk])).content.decode()
    assert "长春站" in page and "K7382" in page and "@media print" not in page
    response = client.get(reverse("investigation:docx", args=[investigation.pk]))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert inv.case.number in text
    assert "长春站" in cells and "东市场" in cells and "K7382" in cells
    assert AuditEvent.objects.filter(action="investigation.export").count() == 1


def test_the_trajectory_notice_names_no_one(inv, client_for):
    investigation = _with_movements(inv)
    client = client_for(inv.county_command)  # the command office reads it too
    response = client.get(reverse("investigation:trajectory", args=[investigation.pk]), {"n": 3})
    notice = response.context["notice"]
    person = inv.case.person
    assert person.name not in notice
    assert person.doc_number not in notice and person.phone not in notice
    assert person.address not in notice
    assert notice.startswith("Case 3") or notice.startswith("病例3")
    assert "45" in notice  # 45 years old on 2020-01-22
    assert "南关区华阳社区" in notice
    assert "K7382" in notice and "8:00—9:30" in notice and "东市场" in notice
    assert 'data-copy="notice-text"' in response.content.decode()


def test_the_notice_gives_a_home_only_as_its_community(inv, client_for):
    # given a case who was at home, the home recorded as the demo records it: named after the
    # address, with the street address, in the case's grid (华阳社区 第一网格)
    investigation = _with_movements(inv)
    address = "华阳社区幸福里3栋2单元501"
    home = actions.record_place(
        actor=inv.nanguan,
        name=f"{address}（住所）",
        kind=PlaceKind.HOME,
        address=address,
        division=inv.tree.grid1,
    )
    actions.add_movement(
        actor=inv.nanguan,
        investigation=investigation,
        day=dt.date(2020, 1, 21),
        start_time=dt.time(0, 0),
        end_time=dt.time(7, 30),
        place=home,
    )

    # when the command office opens the public notice
    client = client_for(inv.county_command)
    response = client.get(reverse("investigation:trajectory", args=[investigation.pk]))
    notice = response.context["notice"]

    # then the home is its community, without its name, street address or any number
    assert address not in notice and "幸福里" not in notice and "（住所）" not in notice
    assert inv.case.number not in notice and inv.person.doc_number not in notice
    home_line = next(line for line in notice.splitlines() if "0:00—7:30" in line)
    assert "华阳社区" in home_line
    # and the other places keep their name and address
    assert "长春站" in notice and "人民大街1号" in notice
    assert "幸福里" not in response.content.decode()


def test_the_notice_in_chinese_reads_as_the_publicity_offices_wrote_it(inv, client_for):
    from django.utils import translation

    from fangkong.investigation.documents import trajectory_notice

    investigation = _with_movements(inv)
    with translation.override("zh-hans"):
        notice = trajectory_notice(investigation)
    assert notice.splitlines()[0] == "病例1，男，45岁，现住南关区华阳社区。"
    assert notice.splitlines()[1].startswith("1月20日 8:00—9:30 乘坐K7382次列车（3车厢）")


def test_command_office_reads_but_does_not_write(inv, client_for):
    investigation = _open(inv)
    client = client_for(inv.county_command)
    assert client.get(investigation.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("investigation:complete", args=[investigation.pk]), {"conclusion": "x"}
    )
    assert response.status_code == 403


def test_the_publicity_office_reads_the_notices_and_nothing_else(inv, make_user, client_for):
    # given an investigated case with a movement, and the province's publicity office
    investigation = _open(inv)
    client_for(inv.nanguan).post(
        reverse("investigation:movement_add", args=[investigation.pk]),
        {
            "day": "2020-01-20",
            "place": "new",
            "place_name": "欧亚卖场",
            "place_kind": "supermarket",
            "place_division": inv.tree.nanguan.pk,
            "protection": "none",
        },
    )
    publicity = client_for(make_user(inv.tree.province, roles=[Role.PUBLICITY_OFFICE]))

    # when it opens its list of notices, then a notice
    listed = publicity.get(reverse("investigation:notices")).content.decode()
    notice_url = reverse("investigation:trajectory", args=[investigation.pk])
    notice = publicity.get(notice_url).content.decode()

    # then the case is listed and its notice gives the place, never the name or number
    person = investigation.case.person
    assert notice_url in listed and "南关区" in listed
    assert "欧亚卖场" in notice
    for secret in (person.name, person.doc_number, investigation.case.number):
        assert secret not in listed and secret not in notice
    # and the investigation itself stays closed to it
    assert publicity.get(investigation.get_absolute_url()).status_code == 403
