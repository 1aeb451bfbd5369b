"""The REST API: one FastAPI app, served by uvicorn locally and by Mangum on Lambda."""
