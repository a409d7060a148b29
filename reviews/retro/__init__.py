"""Retrospectives: the facilitated session that ends a review cycle, run live by the team.

A package of the `reviews` app (its models are the app's, in its tables and migrations):
`models` (the session and what it produces), `selectors` (a session loaded for one reader in a
fixed number of queries; anonymity lives there), `services` (keyword-only writes that lock the
session first, through `locks`), `forms` and `views` (the live board). Who may do what is asked
of `reviews.permissions`; the URLs are in `reviews/urls.py`, under the "Retrospectives" tab.
"""
