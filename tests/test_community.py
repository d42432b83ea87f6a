import pytest

from auth_gateway.community import DEFAULT_COMMUNITY, CommunityError, load_community, parse_community


def test_default_community_is_the_cep_one():
    community = load_community(DEFAULT_COMMUNITY)
    assert len(community.regions) == 18
    assert {s.name for s in community.structures} >= {"France Travail", "Cap emploi", "Apec", "Mission locale"}


@pytest.mark.parametrize("typed, expected", [
    ("cap emploi", "Cap emploi"), ("CAP EMPLOI", "Cap emploi"), ("Pôle emploi", "France Travail"),
    ("  missions   locales ", "Mission locale"),
])
def test_structures_match_by_name_or_alias_case_insensitively(typed, expected):
    assert load_community(DEFAULT_COMMUNITY).find_structure(typed).name == expected


def test_regions_match_case_insensitively_and_unknown_ones_do_not():
    community = load_community(DEFAULT_COMMUNITY)
    assert community.find_region("auvergne-rhône-alpes") == "Auvergne-Rhône-Alpes"
    assert community.find_region("Rhône-Alpes") is None
    assert community.find_structure("Psychologues") is None


@pytest.mark.parametrize("data, message", [
    ([], "expected a mapping"),
    ({"name": "x", "profession": "y", "structures": []}, "missing key 'regions'"),
    ({"name": "x", "profession": "y", "structures": [], "regions": ["A"]}, "'structures' must be a non-empty list"),
    ({"name": "x", "profession": "y", "structures": [{"aliases": []}], "regions": ["A"]}, "needs a 'name'"),
    ({"name": "x", "profession": "y", "structures": [{"name": "A"}, {"name": "a"}], "regions": ["R"]}, "share a name"),
    ({"name": "x", "profession": "y", "structures": [{"name": "A"}], "regions": ["R", "r"]}, "listed twice"),
    ({"name": "", "profession": "y", "structures": [{"name": "A"}], "regions": ["R"]}, "'name' must be"),
])
def test_invalid_community_files_are_refused_with_a_clear_error(data, message):
    with pytest.raises(CommunityError, match=message):
        parse_community(data)


def test_another_profession_is_just_another_file(tmp_path):
    path = tmp_path / "community.yml"
    path.write_text("name: Juges\nprofession: juges des enfants\nstructures:\n  - name: Tribunal judiciaire\n"
                    "regions: [Bretagne]\n", encoding="utf-8")
    community = load_community(path)
    assert community.find_structure("tribunal judiciaire").name == "Tribunal judiciaire"
