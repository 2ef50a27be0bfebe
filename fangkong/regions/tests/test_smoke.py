from fangkong.regions.models import Division


def test_tree_counts_descendants_for_the_home_page(tree):
    province = Division.objects.get(pk=tree.province.pk)
    assert province.n_prefectures == 2
    assert province.n_villages == 3
    assert province.n_grids == 3
    assert Division.objects.get(pk=tree.huayang.pk).n_children == 2


def test_division_page_shows_children_with_counts(tree, make_user, client_for):
    user = make_user(tree.changchun)
    response = client_for(user).get(tree.changchun.get_absolute_url())
    assert response.status_code == 200
    assert "南关区" in response.content.decode()
