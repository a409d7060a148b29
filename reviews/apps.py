from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from alignment import panels
        from charters.signals import charter_ratified
        from reviews import selectors

        charter_ratified.connect(_on_charter_ratified, dispatch_uid="reviews.join_open_cycle")
        panels.register_team_panel("reviews/_team_panel.html", selectors.team_panel)


def _on_charter_ratified(sender, *, charter, **kwargs) -> None:
    from reviews.services import join_open_cycle

    join_open_cycle(charter=charter)
