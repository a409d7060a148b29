# Weekly check-ins arrive in their own issue.
