"""The risk context: each user's limits and automation policy, and the check of every trade before signing."""
