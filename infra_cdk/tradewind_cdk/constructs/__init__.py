"""The building blocks of the Tradewind stack, one construct per module."""
