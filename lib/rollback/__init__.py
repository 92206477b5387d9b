"""mig-rollback: the chapter's manual rollback (3.5.4), planned first, journaled, resumable.

resolve -> plan (pure: actions computed from plain dicts, no writes) -> confirm -> execute
(journal every object's state before each change, and each outcome)."""
