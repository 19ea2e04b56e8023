"""User and uniqueness-index rules."""

import uuid

import pytest

from events.index import Index, category_name_key, email_key
from events.user import AccountDisabled, User


def test_registration_then_login_records_the_session_and_time() -> None:
    user = User(email="a@example.com", username=None, name="A", phone=None)
    session = uuid.uuid4()
    user.record_login(session)
    registered, logged_in = user.collect_events()
    assert isinstance(registered, User.Registered)
    assert isinstance(logged_in, User.LoggedIn)
    assert logged_in.session_id == session
    assert logged_in.owner_id == user.id == registered.owner_id
    assert user.last_login == logged_in.timestamp


def test_a_disabled_account_cannot_log_in() -> None:
    user = User(email=None, username="u", name="U", phone=None)
    user.is_active = False
    with pytest.raises(AccountDisabled):
        user.record_login(uuid.uuid4())


def test_index_ids_are_deterministic_per_key() -> None:
    assert Index.create_id(email_key("a@x.com")) == Index.create_id(email_key("a@x.com"))
    assert Index.create_id(email_key("a@x.com")) != Index.create_id(email_key("b@x.com"))


def test_category_names_clash_trimmed_and_case_insensitively_within_one_owner() -> None:
    owner = uuid.uuid4()
    assert category_name_key(owner, " Medication ") == category_name_key(owner, "medication")
    assert category_name_key(owner, "Medication") != category_name_key(uuid.uuid4(), "Medication")


def test_reassigning_an_index_to_its_holder_records_nothing() -> None:
    holder = uuid.uuid4()
    index = Index(owner_id=holder, key="k", ref=holder)
    index.collect_events()
    index.assign(holder, holder)
    assert index.collect_events() == []
    index.assign(holder, None)
    (event,) = index.collect_events()
    assert isinstance(event, Index.Reassigned)
    assert not index.is_held_by_other_than(uuid.uuid4())


def test_a_login_stored_before_version_2_loads_with_no_client() -> None:
    from events.store import build_mapper

    user = User(email="a@example.com", username=None, name="A", phone=None)
    user.record_login(uuid.uuid4(), client="VitalTrack/2.1 (iPhone)")
    _, login = user.collect_events()
    assert isinstance(login, User.LoggedIn)
    mapper = build_mapper()
    stored = mapper.to_stored_event(login)
    assert b'"class_version":2' in stored.state
    # The same event as version 1 wrote it: no client, no class_version.
    old_state = stored.state.replace(b',"client":"VitalTrack/2.1 (iPhone)"', b"").replace(
        b',"class_version":2', b""
    )
    old = type(stored)(stored.originator_id, stored.originator_version, stored.topic, old_state)
    upcast = mapper.to_domain_event(old)
    assert isinstance(upcast, User.LoggedIn)
    assert upcast.client is None
    assert upcast.session_id == login.session_id
    current = mapper.to_domain_event(stored)
    assert isinstance(current, User.LoggedIn)
    assert current.client == "VitalTrack/2.1 (iPhone)"
