"""The organisation's tags: areas of work (e.g. "Booking flow") that boundaries of its teams' charters carry.

An organisation keeps one list; a leader tags a boundary from it in the boundary's editor, and the
alignment map shows where two teams claim the same tagged area (`charters.signals`). The organisation's
admins keep the list (add, rename, remove); a team's leaders may add to it, since they are the ones
writing boundaries (`permissions.organisation_tags_access`).

A boundary's tag names are read in the same query as the boundary (`with_tag_list`): a string of the
names the charter's loaders annotate, so tags cost the charter page no query of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, StringAgg, Value

from alignment.errors import ActionRefused
from alignment.one_query import read_shaped
from charters.models import Boundary, Charter, OrganisationTag
from charters.organisation_map import forget_signals

Through = Boundary.tags.through


def with_tag_list(boundaries: QuerySet) -> QuerySet:
    """Boundaries with `tag_list`, their tags' names joined (`Boundary.tag_names` reads it): no query more.

    In their list's order, said again: a query that aggregates leaves the model's ordering out.
    """
    return boundaries.annotate(tag_list=StringAgg("tags__name", delimiter=Value(Boundary.TAG_SEPARATOR),
                                                  default=Value(""))).order_by(*Boundary._meta.ordering)


def refresh_tag_lists(boundaries: list[Boundary]) -> None:
    """Read the tag names of boundaries kept in the cache afresh (a tag may have been renamed or removed since):
    1 query, none when none of them carried a tag when kept."""
    tagged = {item.pk: item for item in boundaries if getattr(item, "tag_list", "")}
    if not tagged:
        return
    names: dict[int, list[str]] = {pk: [] for pk in tagged}
    for boundary_id, name in read_shaped(_tag_names, boundaries=list(tagged)):
        names[boundary_id].append(name)
    for pk, item in tagged.items():
        item.tag_list = Boundary.TAG_SEPARATOR.join(names[pk])


def _tag_names(boundaries: list[int]):
    """(boundary id, tag name) for each tag these boundaries carry: 1 query."""
    return Through.objects.filter(boundary_id__in=boundaries).values_list("boundary_id", "organisationtag__name")


def _current(prefix: str = "") -> Q:
    """Boundaries of versions in force or at work (drafts, proposals): the ones teams read as their own."""
    return Q(**{f"{prefix}charter__state__in": [*Charter.EDITABLE_STATES, Charter.State.RATIFIED]})


def organisation_tags(organisation) -> QuerySet:
    """The organisation's list, each tag with how many boundaries of current versions carry it (1 query)."""
    return OrganisationTag.objects.filter(organisation=organisation).annotate(
        carried_by=Count("boundaries", filter=_current("boundaries__")))


def boundaries_carrying(tag: OrganisationTag) -> int:
    """How many boundaries of current versions carry the tag: what removing it takes away (1 query)."""
    return Boundary.objects.filter(_current(), tags=tag).count()


def _clean(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ActionRefused("A tag needs a name.")
    return name


def _taken(organisation, name: str, *, besides: int | None = None) -> bool:
    return OrganisationTag.objects.filter(organisation=organisation, name__iexact=name).exclude(pk=besides).exists()


def add_tag(*, organisation, name: str) -> OrganisationTag:
    """Add a tag to the organisation's list; refused when the list has it already, in any case."""
    name = _clean(name)
    if _taken(organisation, name):
        raise ActionRefused(f"The list already has “{name}”.")
    try:
        with transaction.atomic():
            tag = OrganisationTag.objects.create(organisation=organisation, name=name)
            forget_signals(tag.organisation_id)
            return tag
    except IntegrityError:  # added by someone else at the same moment
        raise ActionRefused(f"The list already has “{name}”.") from None


def rename_tag(*, tag: OrganisationTag, name: str) -> OrganisationTag:
    """Rename a tag everywhere it is carried (ratified versions too: the name is the list's, not the text's)."""
    name = _clean(name)
    if _taken(tag.organisation_id, name, besides=tag.pk):
        raise ActionRefused(f"The list already has “{name}”. Remove one of the two instead.")
    try:
        with transaction.atomic():
            if not OrganisationTag.objects.filter(pk=tag.pk).update(name=name):
                raise ActionRefused("This tag was removed meanwhile.")
            forget_signals(tag.organisation_id)
    except IntegrityError:
        raise ActionRefused(f"The list already has “{name}”.") from None
    tag.name = name
    return tag


def remove_tag(*, tag: OrganisationTag) -> None:
    """Remove a tag from the list and from every boundary carrying it; removing it twice changes nothing more."""
    with transaction.atomic():
        # Locked first, so a boundary being tagged with it at this moment waits (`set_boundary_tags`).
        if OrganisationTag.objects.select_for_update().filter(pk=tag.pk).first() is None:
            return
        OrganisationTag.objects.filter(pk=tag.pk).delete()
        forget_signals(tag.organisation_id)


def set_boundary_tags(boundary: Boundary, tags: Iterable[OrganisationTag], *, organisation_id: int) -> None:
    """Give a boundary exactly these tags, each one of its organisation's; in the caller's transaction.

    The chosen tags are locked (after the charter, as everywhere), so a tag removed at the same moment is
    either removed first, and the save is refused keeping what was typed, or removed after, with its rows.
    """
    wanted = {tag.pk for tag in tags}
    found = set(OrganisationTag.objects.select_for_update().filter(pk__in=wanted, organisation_id=organisation_id)
                .values_list("pk", flat=True))
    if found != wanted:
        raise ActionRefused("A tag you chose was removed from the organisation's list meanwhile. "
                            "Choose from the list as it is now.")
    boundary.tags.set(found)
