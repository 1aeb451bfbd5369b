"""Accounts: users, password logins, rotating refresh-token sessions, API keys and login throttling."""
