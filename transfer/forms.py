from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from transfer.sheets import MAX_BYTES


class UploadForm(forms.Form):
    """A file to preview: what it holds, and the file. Only the kinds the reader may import are offered."""

    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Its first row names the columns. Up to %(mb)s MB. Nothing is written until you confirm the "
                    "preview.") % {"mb": MAX_BYTES // 1024 // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-"
                                                         "officedocument.spreadsheetml.sheet"}),
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("auto_id", "id_import_%s")
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]
