"""Two people editing the same draft: the first save wins, the second is told, nothing is lost."""

from __future__ import annotations

import pytest

from alignment.errors import ConcurrentEditError, ItemRemoved
from charters import services
from charters.models import Boundary, Charter, KeyResult, NonNegotiable
from tests.charters.factories import PURPOSE, complete_charter


@pytest.fixture
def charter(team, leader) -> Charter:
    return complete_charter(team, leader)


def load(charter: Charter) -> Charter:
    """An editor opening the charter: their own copy of the row."""
    return Charter.objects.get(pk=charter.pk)


def edit(item, **values):
    """An editor's form setting new values on their copy of an item, ready for `update_item`."""
    for name, value in values.items():
        setattr(item, name, value)
    return item


def test_the_second_save_of_a_section_raises_and_does_not_overwrite(charter):
    first, second = load(charter), load(charter)
    loaded_version = second.people_version

    services.update_people(charter=first, expected_version=first.people_version, people="First editor's people.")
    with pytest.raises(ConcurrentEditError) as conflict:
        services.update_people(charter=second, expected_version=loaded_version, people="Second editor's people.")

    current = conflict.value.current
    assert isinstance(current, Charter) and current.pk == charter.pk
    assert current.people == "First editor's people."
    assert current.people_version == loaded_version + 1
    stored = load(charter)
    assert (stored.people, stored.people_version) == ("First editor's people.", loaded_version + 1)


def test_a_save_bumps_the_section_version(charter):
    """The saved charter comes back with the new version; the editor's own copy is left as loaded."""
    editor = load(charter)

    saved = services.update_process(charter=editor, expected_version=1, process="New process.")

    assert (saved.process, saved.process_version) == ("New process.", 2)
    assert editor.process_version == 1
    assert load(charter).process_version == 2


def test_saving_again_after_seeing_the_conflict_goes_through(charter):
    first, second = load(charter), load(charter)
    services.update_people(charter=first, expected_version=1, people="First.")
    with pytest.raises(ConcurrentEditError) as conflict:
        services.update_people(charter=second, expected_version=1, people="Second.")

    # The second editor merges knowingly, against the version they were shown.
    services.update_people(charter=second, expected_version=conflict.value.current.people_version,
                           people="First. Second.")

    stored = load(charter)
    assert (stored.people, stored.people_version) == ("First. Second.", 3)


def test_a_conflict_on_the_purpose_leaves_all_four_parts_as_the_first_editor_saved_them(charter):
    first, second = load(charter), load(charter)
    mine = {name: f"Mine: {name}" for name in PURPOSE}
    theirs = {name: f"Theirs: {name}" for name in PURPOSE}

    services.update_purpose(charter=first, expected_version=1, **mine)
    with pytest.raises(ConcurrentEditError) as conflict:
        services.update_purpose(charter=second, expected_version=1, **theirs)

    stored = load(charter)
    for name in PURPOSE:
        assert getattr(stored, name) == mine[name]
        assert getattr(conflict.value.current, name) == mine[name]


def test_editing_different_sections_at_the_same_time_does_not_conflict(charter):
    purpose_editor, people_editor, process_editor = load(charter), load(charter), load(charter)

    services.update_purpose(charter=purpose_editor, expected_version=1,
                            **{**PURPOSE, "purpose_statement": "A sharper purpose."})
    services.update_people(charter=people_editor, expected_version=1, people="New people.")
    services.update_process(charter=process_editor, expected_version=1, process="New process.")

    stored = load(charter)
    # Each save wrote only its own section: stale copies of the others did not clobber them.
    assert stored.purpose_statement == "A sharper purpose."
    assert stored.people == "New people."
    assert stored.process == "New process."
    assert (stored.purpose_version, stored.people_version, stored.process_version) == (2, 2, 2)


@pytest.mark.parametrize(
    ("model", "field"),
    [(NonNegotiable, "standard"), (Boundary, "guardrails"), (KeyResult, "metric")],
)
def test_the_second_save_of_an_item_raises_and_does_not_overwrite(charter, model, field):
    pk = model.in_charter(charter)[0].pk
    first, second = model.objects.get(pk=pk), model.objects.get(pk=pk)

    services.update_item(charter=charter, item=edit(first, **{field: "First editor."}), expected_version=first.version)
    with pytest.raises(ConcurrentEditError) as conflict:
        services.update_item(charter=charter, item=edit(second, **{field: "Second editor."}), expected_version=1)

    assert isinstance(conflict.value.current, model)
    assert getattr(conflict.value.current, field) == "First editor."
    assert conflict.value.current.version == 2
    stored = model.objects.get(pk=pk)
    assert (getattr(stored, field), stored.version) == ("First editor.", 2)


def test_a_non_negotiable_conflict_keeps_every_field_of_the_first_save(charter):
    pk = charter.non_negotiables.first().pk
    first, second = NonNegotiable.objects.get(pk=pk), NonNegotiable.objects.get(pk=pk)

    services.update_item(charter=charter, item=edit(first, title="Mine", standard="My standard", why="My why"),
                         expected_version=1)
    with pytest.raises(ConcurrentEditError):
        services.update_item(
            charter=charter, item=edit(second, title="Theirs", standard="Their standard", why="Their why"),
            expected_version=1,
        )

    stored = NonNegotiable.objects.get(pk=pk)
    assert (stored.title, stored.standard, stored.why) == ("Mine", "My standard", "My why")


def test_editing_different_non_negotiables_at_the_same_time_does_not_conflict(charter):
    one, two = charter.non_negotiables.all()[:2]

    services.update_item(charter=charter, item=edit(one, title="One, edited"), expected_version=1)
    services.update_item(charter=charter, item=edit(two, title="Two, edited"), expected_version=1)

    assert set(charter.non_negotiables.values_list("title", "version")) >= {
        ("One, edited", 2),
        ("Two, edited", 2),
    }


def test_editing_a_section_does_not_conflict_with_editing_an_item(charter):
    editor = load(charter)
    item = charter.non_negotiables.first()

    services.update_item(charter=charter, item=edit(item, title="Edited"), expected_version=1)
    services.update_people(charter=editor, expected_version=1, people="Edited too.")

    assert load(charter).people == "Edited too."
    assert NonNegotiable.objects.get(pk=item.pk).title == "Edited"


def test_editing_an_item_deleted_by_someone_else_is_refused_not_a_resurrection(charter):
    item = charter.non_negotiables.first()
    stale = NonNegotiable.objects.get(pk=item.pk)
    services.delete_item(charter=charter, item=item)

    with pytest.raises(ItemRemoved, match="Someone removed this while you were editing it"):
        services.update_item(charter=charter, item=edit(stale, title="Back?"), expected_version=1)

    assert not NonNegotiable.objects.filter(pk=item.pk).exists()
