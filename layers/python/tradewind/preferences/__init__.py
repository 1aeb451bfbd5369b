"""The preferences context: how each user wants the assistant to advise them."""
