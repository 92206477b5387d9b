"""mig-gather: collect, redact, index and archive what a migration support case needs."""
