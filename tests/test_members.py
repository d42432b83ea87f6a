from datetime import timedelta

import pytest
from sqlalchemy import select

from auth_gateway import members
from auth_gateway.members import MemberError
from auth_gateway.models import Member, Role, Status
from tests.conftest import PASSWORD

DAY = timedelta(days=1)


def add(services, **overrides):
    fields = {"email": "Anne.Dupont@francetravail.fr", "name": "Anne Dupont", "structure": "france travail",
              "region": "Bourgogne-Franche-Comté", "password": PASSWORD}
    fields.update(overrides)
    with services.database.write() as session:
        return members.add_member(session, services.community, **fields)


def test_a_member_is_stored_with_canonical_names_and_a_hashed_password(services):
    member = add(services)
    assert (member.structure, member.region, member.role, member.status) == (
        "France Travail", "Bourgogne-Franche-Comté", Role.MEMBER, Status.ACTIVE)
    assert member.email_key == "anne.dupont@francetravail.fr"
    assert PASSWORD not in member.password_hash and member.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("overrides, key", [
    ({"email": "pas-une-adresse"}, "member_error.invalid_email"),
    ({"name": "   "}, "member_error.empty_name"),
    ({"structure": "Cabinet de psychologues"}, "member_error.unknown_structure"),
    ({"region": "Rhône-Alpes"}, "member_error.unknown_region"),
    ({"role": "manager"}, "member_error.unknown_role"),
    ({"password": "court"}, "member_error.short_password"),
    ({"password": "x" * 2000}, "member_error.long_password"),
])
def test_invalid_fields_are_refused(services, overrides, key):
    with pytest.raises(MemberError) as raised:
        add(services, **overrides)
    assert raised.value.key == key


@pytest.mark.parametrize("look_alike", ["ANNE.DUPONT@FRANCETRAVAIL.FR", "ａｎｎｅ.dupont@francetravail.fr",
                                        " anne.dupont@francetravail.fr "])
def test_look_alike_addresses_are_duplicates(services, look_alike):
    add(services)
    with pytest.raises(MemberError) as raised:
        add(services, email=look_alike)
    assert raised.value.key == "member_error.duplicate_email"


def test_authenticate_checks_password_and_status(services):
    add(services)
    with services.database.session() as session:
        assert members.authenticate(session, "anne.dupont@FRANCETRAVAIL.fr", PASSWORD) is not None
        assert members.authenticate(session, "anne.dupont@francetravail.fr", PASSWORD + "!") is None
        assert members.authenticate(session, "personne@francetravail.fr", PASSWORD) is None
    with services.database.write() as session:
        members.find_member(session, "anne.dupont@francetravail.fr").status = Status.SUSPENDED
    with services.database.session() as session:
        assert members.authenticate(session, "anne.dupont@francetravail.fr", PASSWORD) is None


def test_revoking_sessions_changes_the_token_so_old_ones_find_nobody(services):
    member = add(services)
    old = member.session_token
    with services.database.write() as session:
        members.revoke_sessions(session.merge(member))
    assert members.member_for_session(services.database, old, DAY) is None
    with services.database.session() as session:
        current = session.scalar(select(Member)).session_token
    assert current != old
    assert members.member_for_session(services.database, current, DAY) == members.SignedInMember(
        member.id, member.email, member.display_name, member.role, member.region, current)


def test_set_role_and_list(services):
    add(services)
    with services.database.write() as session:
        members.set_role(session, "ANNE.DUPONT@francetravail.fr", "Animator")
    with services.database.session() as session:
        assert [m.role for m in members.list_members(session)] == [Role.ANIMATOR]
        with pytest.raises(MemberError):
            members.set_role(session, "inconnue@apec.fr", "admin")
