"""The assistant: chat turns answered from tools over the services, by the built-in offline engine or
an OpenAI-compatible model, checked for grounding, remembered per conversation.

Import from the modules (``intents``, ``service``, ``tools``...): this package stays empty so that
the API's cold start, which needs only its settings and reply models, does not build the intents.
"""
