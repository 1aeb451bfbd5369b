"""The libraries the API function is built on, imported together: the floor under its cold start.

FastAPI behind Mangum, Powertools (its Tracer loads the X-Ray SDK even when tracing is off), the
AWS SDK through PynamoDB, and PyJWT, imported the way handlers import (collection paused), and
nothing else of Tradewind's own.
"""

from tradewind.coldstart import initialising

with initialising():
    import fastapi  # noqa: F401
    import jwt  # noqa: F401
    import mangum  # noqa: F401
    import pynamodb.models  # noqa: F401
    from aws_lambda_powertools import Logger, Metrics, Tracer

    Logger()
    Metrics()
    Tracer()
