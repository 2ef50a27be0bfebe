"""Pages and API through the test client (real database): the list, a group's page and its
forms, the chain page and API, bad input as a form error, 400 or 404, never a 500."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.urls import reverse

from fangkong.command.models import LeadingGroup, Responsibility
from fangkong.command.tests.factories import make_responsibility, make_secretary


def test_the_list_shows_the_groups_of_the_jurisdiction_only(
    cmd: SimpleNamespace, client_for
) -> None:
    # given 南关区's group and one in 昌邑区
    from fangkong.command.tests.factories import make_group

    make_group(cmd.tree.changyi)
    # when the county office and the organization department open the list
    for user in (cmd.county, cmd.org):
        page = client_for(user).get(reverse("command:groups")).content.decode()
        # then they see 南关区's group, not 昌邑区's
        assert "南关区新冠肺炎疫情防控工作领导小组" in page
        assert "昌邑区新冠肺炎疫情防控工作领导小组" not in page
    # and a grid worker may not open it
    assert client_for(cmd.grid_worker).get(reverse("command:groups")).status_code == 403


def test_the_organization_department_views_but_does_not_manage(
    cmd: SimpleNamespace, client_for
) -> None:
    client = client_for(cmd.org)
    page = client.get(reverse("command:group", args=[cmd.group.pk])).content.decode()
    assert "李建国" in page and "Add a member" not in page and "添加成员" not in page
    url = reverse("command:member_add", args=[cmd.group.pk])
    assert client.post(url, {"name": "某"}).status_code == 403


def test_a_group_page_adds_a_member_and_a_responsibility(cmd: SimpleNamespace, client_for) -> None:
    client = client_for(cmd.county)
    # when the county office adds a member through the page's form
    response = client.post(
        reverse("command:member_add", args=[cmd.group.pk]),
        {"name": "赵卫东", "post": "区卫健局局长", "phone": "13900000003", "role": "member"},
    )
    assert response.status_code == 302
    # and gives the deputy 南岭街道
    response = client.post(
        reverse("command:responsibility_add", args=[cmd.group.pk]),
        {"member": cmd.deputy.pk, "division": cmd.tree.nanling.code, "starts_on": "2020-01-25"},
    )
    assert response.status_code == 302
    page = client.get(reverse("command:group", args=[cmd.group.pk])).content.decode()
    assert "赵卫东" in page and "南岭街道" in page


def test_bad_input_on_the_group_page_is_a_form_error(cmd: SimpleNamespace, client_for) -> None:
    client = client_for(cmd.county)
    url = reverse("command:responsibility_add", args=[cmd.group.pk])
    # reversed dates
    response = client.post(
        url,
        {
            "member": cmd.deputy.pk,
            "division": cmd.tree.nanling.code,
            "starts_on": "2020-02-10",
            "ends_on": "2020-02-01",
        },
    )
    assert response.status_code == 200
    assert response.context["responsibility_form"].errors["ends_on"]
    # a division of another county: as for one that does not exist
    response = client.post(
        url, {"member": cmd.deputy.pk, "division": cmd.tree.dongshi.code, "starts_on": "2020-02-01"}
    )
    assert response.context["responsibility_form"].errors["division"]
    # a date out of bounds
    response = client.post(
        url, {"member": cmd.deputy.pk, "field": "grid", "starts_on": "3020-01-01"}
    )
    assert response.context["responsibility_form"].errors["starts_on"]
    assert not Responsibility.objects.exists()


def test_the_chain_page_and_api_of_a_grid(cmd: SimpleNamespace, client_for) -> None:
    # given the community's secretary and the deputy covering 南岭街道
    make_secretary(cmd.tree.huayang, "社区书记戊", phone="13800000005")
    make_responsibility(cmd.deputy, cmd.tree.nanling, field="grid")
    client = client_for(cmd.grid_worker)
    # when the grid worker opens the chain of their grid
    page = client.get(reverse("command:chain", args=[cmd.tree.grid1.code])).content.decode()
    # then the secretary and the covering leader are there with their phones
    assert "社区书记戊" in page and "13800000005" in page
    assert "王晓梅" in page and "13900000002" in page
    answer = client.get(f"/api/command/chain/{cmd.tree.grid1.code}").json()
    assert [link["name"] for link in answer] == [
        "吉林省",
        "长春市",
        "南关区",
        "南岭街道",
        "华阳社区",
        "第一网格",
    ]
    assert answer[3]["leaders"][0]["name"] == "王晓梅"
    assert answer[4]["secretary"]["name"] == "社区书记戊"
    # and a grid of another county answers 404, like one that does not exist
    assert client.get(f"/api/command/chain/{cmd.tree.other_grid.code}").status_code == 404
    assert client.get("/api/command/chain/229999999999").status_code == 404


def test_the_api_creates_a_group_and_refuses_bad_input(cmd: SimpleNamespace, client_for) -> None:
    client = client_for(cmd.county)
    body = {
        "division": cmd.tree.nanling.code,
        "name": "南岭街道指挥部",
        "office_phone": "043188881111",
    }
    response = client.post("/api/command/groups", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    group = LeadingGroup.objects.get(division=cmd.tree.nanling)
    # a second one: 409
    again = client.post("/api/command/groups", json.dumps(body), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "group_exists"
    # a division of another county: 404
    other = {**body, "division": cmd.tree.changyi.code}
    assert (
        client.post(
            "/api/command/groups", json.dumps(other), content_type="application/json"
        ).status_code
        == 404
    )
    # a responsibility outside the group's area: 400 with the reason
    member = client.post(
        f"/api/command/groups/{group.pk}/members",
        json.dumps({"name": "周", "post": "主任", "phone": "13900000006", "role": "leader"}),
        content_type="application/json",
    ).json()
    refused = client.post(
        f"/api/command/groups/{group.pk}/responsibilities",
        json.dumps(
            {
                "member_id": member["id"],
                "division": cmd.tree.nanguan.code,
                "starts_on": "2020-02-01",
            }
        ),
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "division_outside_group"
    listed = client.get("/api/command/groups").json()
    assert {g["division_code"] for g in listed} == {cmd.tree.nanguan.code, cmd.tree.nanling.code}
