"""Tradewind's shared package: domain logic, data access and adapters used by every function."""
