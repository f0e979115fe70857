"""Orchestration: events, stage handlers, the local runner, the ledger of stage runs, and
rollback and rebuild over them."""
