"""Adapters to AWS services that are not behind PynamoDB."""
