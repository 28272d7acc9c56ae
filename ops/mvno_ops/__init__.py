"""mvno-ops: backfill, reconcile, dead letters and replay for the read model (docs/operations.md)."""
