"""What erasing a person does to imports and the organisation's exports (alignment/erasure.py).

Deleted: previews not confirmed that they uploaded or that name them (a file's rows may hold their words);
the files of the organisation exports they asked for, and of the exports of the organisations they leave
(each holds everyone's name and address, as "Download my data" copies do). Blanked: an imported check-in's
id of theirs that holds their address (an id is the spreadsheet's, and may have been one).
"""

from __future__ import annotations

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from alignment.erasure import ErasureSubject
from alignment.models import Deactivation
from checkins.models import CheckIn
from transfer.models import OrganisationExport, SpreadsheetImport


def erase(subject: ErasureSubject) -> dict[str, int]:
    person = subject.person
    previews = (SpreadsheetImport.objects.filter(applied_at__isnull=True).annotate(_rows_text=Cast("rows", TextField()))
                .filter(Q(uploaded_by=person) | subject.naming_them(["rows"])))
    deleted, _ = SpreadsheetImport.objects.filter(pk__in=list(previews.values_list("pk", flat=True))).delete()
    left = Deactivation.objects.filter(person=person).values("organisation")
    exports = (OrganisationExport.objects.filter(Q(requested_by=person) | Q(organisation__in=left))
               .filter(archive_size__gt=0).update(archive=None, archive_size=0))
    ids = (CheckIn.objects.filter(author=person, external_id__icontains=subject.email)
           .update(external_id=""))
    return {"import previews": deleted, "organisation export files": exports, "check-in ids": ids}
