"""DynamoDB plumbing shared by the contexts that keep their items in the same table."""
