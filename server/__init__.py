"""The HTTP front end: DynamoDB's JSON 1.0 protocol over Starlette/uvicorn."""
