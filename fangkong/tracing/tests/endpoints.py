"""The jurisdiction-matrix entries of the tracing app (see fangkong/core/tests/endpoints.py):
one per page and API operation. A contact's record is its case's (a new grid of 华阳社区); a
hand-over goes from 南关区 to a second county of 长春市 (朝阳区, made here), whose users are
"home" for the receiving side's steps; the sibling (昌邑区, 吉林市) is on neither side."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.cases.models import Case as CaseRecord
from fangkong.cases.tests.factories import make_case, make_person
from fangkong.core.tests.endpoints import LIST, SCOPED, Case, Target, World, exported, form
from fangkong.regions import actions as region_actions
from fangkong.regions.choices import Level
from fangkong.regions.models import Division
from fangkong.regions.pinyin import pinyin_keys
from fangkong.tracing import actions
from fangkong.tracing.models import Contact, Handover


def _division(code: str, name: str, level: int, parent: Division) -> Division:
    full, initials = pinyin_keys(name)
    division, _created = Division.objects.get_or_create(
        code=code.ljust(12, "0"),
        defaults={
            "name": name,
            "level": level,
            "parent": parent,
            "path": f"{parent.path}{code}/",
            "pinyin": full,
            "initials": initials,
        },
    )
    return division


def chaoyang(w: World) -> Division:
    """朝阳区, a second county of 长春市, with a street, a community and a grid."""
    county = _division("220104", "朝阳区", Level.COUNTY, w.tree.changchun)
    street = _division("220104001", "前进街道", Level.TOWNSHIP, county)
    village = _division("220104001001", "前进社区", Level.VILLAGE, street)
    grid = Division.objects.filter(parent=village, level=Level.GRID).first()
    if grid is None:
        grid = region_actions.create_grid(actor=None, village=village, name="前进一格")
    return grid


def _days(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _case(w: World) -> CaseRecord:
    grid = w.grid()
    diagnosed = timezone.now() - dt.timedelta(days=1)
    return make_case(
        grid,
        person=make_person(grid, name=w.name("矩阵病例")),
        diagnosed_at=diagnosed,
        onset=_days(3),
    )


def _contact(
    w: World, residence: Division | None = None, case: CaseRecord | None = None
) -> Contact:
    case = case or _case(w)
    return actions.add_contact(
        actor=None,
        case=case,
        name=w.name("矩阵密接"),
        doc_type="resident_id",
        doc_number=w.id_number(),
        phone=w.phone(),
        address=w.name("华阳街"),
        residence=residence or case.address_division,
        relation="household",
        first_exposure=_days(4),
        last_exposure=_days(2),
        protected=False,
    )


def _handover(w: World) -> Handover:
    return _contact(w, residence=chaoyang(w)).handover


def contact_record(w: World) -> Target:
    contact = _contact(w)
    return Target(home=contact.case.address_division, args={"pk": contact.pk})


def contact_listed(w: World) -> Target:
    contact = _contact(w)
    return Target(home=contact.case.address_division, marker=contact.name)


def contact_county(w: World) -> Target:
    contact = _contact(w)
    home = contact.case.address_division
    return Target(home=home, query={"county": home.code})


def contact_find(w: World) -> Target:
    contact = _contact(w)
    home = contact.case.address_division
    return Target(home=home, args={"pk": contact.pk}, data={"grid": home.pk})


def contact_find_api(w: World) -> Target:
    contact = _contact(w)
    home = contact.case.address_division
    return Target(home=home, args={"pk": contact.pk}, data={"grid": home.code})


def contact_found(w: World) -> Target:
    contact = _contact(w)
    home = contact.case.address_division
    actions.find_contact(actor=None, contact=contact, grid=home)
    return Target(home=home, args={"pk": contact.pk}, data={})


def contact_lost(w: World) -> Target:
    contact = _contact(w)
    return Target(
        home=contact.case.address_division, args={"pk": contact.pk}, data={"note": "矩阵：电话关机"}
    )


def _new_contact_fields(w: World, case: CaseRecord) -> dict[str, object]:
    return {
        "name": w.name("矩阵新密接"),
        "doc_type": "resident_id",
        "doc_number": w.id_number(),
        "phone": w.phone(),
        "address": w.name("华阳街"),
        "residence": case.address_division.code,
        "relation": "workplace",
        "first_exposure": _days(4).isoformat(),
        "last_exposure": _days(2).isoformat(),
    }


def add_contact_form(w: World) -> Target:
    case = _case(w)
    data = {**_new_contact_fields(w, case), "protected": "", "source_contact": ""}
    return Target(home=case.address_division, args={"case_pk": case.pk}, data=data)


def add_contact_api(w: World) -> Target:
    case = _case(w)
    return Target(
        home=case.address_division,
        args={"case_id": case.pk},
        data={**_new_contact_fields(w, case), "protected": False},
    )


def case_contacts(w: World) -> Target:
    contact = _contact(w)
    return Target(home=contact.case.address_division, args={"case_id": contact.case_id})


def contact_api(w: World) -> Target:
    contact = _contact(w)
    return Target(home=contact.case.address_division, args={"pk": contact.pk})


def handover_record(w: World) -> Target:
    handover = _handover(w)
    return Target(home=handover.to_division, args={"pk": handover.pk}, data={})


def handover_listed(w: World) -> Target:
    handover = _handover(w)
    return Target(home=handover.to_division, marker=handover.contact.name)


def handover_found_form(w: World) -> Target:
    handover = _handover(w)
    return Target(
        home=handover.to_division, args={"pk": handover.pk}, data={"grid": chaoyang(w).pk}
    )


def handover_found_api(w: World) -> Target:
    handover = _handover(w)
    return Target(
        home=handover.to_division, args={"pk": handover.pk}, data={"grid": chaoyang(w).code}
    )


def handover_to_observe(w: World) -> Target:
    handover = _handover(w)
    actions.handover_found(actor=None, handover=handover, grid=chaoyang(w))
    return Target(home=handover.to_division, args={"pk": handover.pk}, data={})


def handover_not_found(w: World) -> Target:
    handover = _handover(w)
    return Target(
        home=handover.to_division, args={"pk": handover.pk}, data={"note": "矩阵：查无此人"}
    )


CASES: list[Case] = [
    # pages
    Case("tracing:list", "GET", LIST, contact_listed),
    Case("tracing:list", "GET", SCOPED, contact_county, variant="county"),
    Case("tracing:contact", "GET", SCOPED, contact_record),
    Case("tracing:find", "POST", SCOPED, contact_find, ok=(302,)),
    Case("tracing:observe", "POST", SCOPED, contact_found, ok=(302,)),
    Case("tracing:lost", "POST", SCOPED, contact_lost, ok=(302,)),
    *form("tracing:add_contact", add_contact_form),
    Case("tracing:handovers", "GET", LIST, handover_listed),
    Case("tracing:handover", "GET", SCOPED, handover_record),
    Case("tracing:handover_accept", "POST", SCOPED, handover_record, ok=(302,)),
    Case("tracing:handover_found", "POST", SCOPED, handover_found_form, ok=(302,)),
    Case("tracing:handover_observe", "POST", SCOPED, handover_to_observe, ok=(302,)),
    Case("tracing:handover_not_found", "POST", SCOPED, handover_not_found, ok=(302,)),
    # REST API
    Case("GET /api/cases/{case_id}/contacts", "GET", SCOPED, case_contacts),
    Case("POST /api/cases/{case_id}/contacts", "POST", SCOPED, add_contact_api, ok=(201,)),
    Case("GET /api/contacts", "GET", LIST, contact_listed),
    Case("GET /api/contacts", "GET", SCOPED, contact_county, variant="county"),
    Case("GET /api/contacts/{pk}", "GET", SCOPED, contact_api),
    Case("POST /api/contacts/{pk}/found", "POST", SCOPED, contact_find_api),
    Case("POST /api/contacts/{pk}/observe", "POST", SCOPED, contact_found),
    Case("POST /api/contacts/{pk}/lost", "POST", SCOPED, contact_lost),
    Case("GET /api/handovers", "GET", LIST, handover_listed),
    Case("POST /api/handovers/{pk}/accept", "POST", SCOPED, handover_record),
    Case("POST /api/handovers/{pk}/found", "POST", SCOPED, handover_found_api),
    Case("POST /api/handovers/{pk}/observe", "POST", SCOPED, handover_to_observe),
    Case("POST /api/handovers/{pk}/not-found", "POST", SCOPED, handover_not_found),
    # the export of the list
    Case("bulk:export", "GET", LIST, exported("contacts", contact_listed), variant="contacts"),
]
