"""A bare Starlette endpoint on uvicorn: the HTTP baseline for the ratios.

It answers POST / with a fixed small JSON body, with the same uvicorn
settings as `dynalite-py serve`, so the ratio isolates our own work.
"""
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = b'{"Item":{"pk":{"S":"user-1"},"name":{"S":"Ada Lovelace"}}}'


async def endpoint(request):
    await request.body()
    return Response(BODY, 200, {"Content-Type": "application/x-amz-json-1.0"})


app = Starlette(routes=[Route("/", endpoint, methods=["POST", "GET"])])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
