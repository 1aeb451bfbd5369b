"""The audit trail: an append-only, hash-chained log per user of every decision a trade goes through."""
