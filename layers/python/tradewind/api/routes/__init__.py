"""Thin route modules: parse, call one service method, shape the response."""
