# dynalite-py as a drop-in for amazon/dynamodb-local: DynamoDB (and Streams)
# on port 8000, in memory by default, e.g. as a CI service container.
#   docker build -t dynalite-py .
#   docker run -p 8000:8000 dynalite-py
#   docker run -p 8000:8000 -v "$PWD/data:/data" dynalite-py serve --data-dir /data
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY dynalite_py ./dynalite_py
COPY server ./server
RUN pip install --no-cache-dir . && rm -rf /app

# Listening on every address of the container needs the Lambda API off
# (CreateFunction runs the code it is sent) unless --auth is given; other
# containers reach the server by its service name, so any Host is served
# (docker run -p publishes it on 127.0.0.1 of the host only if you say so:
# -p 127.0.0.1:8000:8000).
ENV DYNALITE_HOST=0.0.0.0 \
    DYNALITE_PORT=8000 \
    DYNALITE_NO_FUNCTIONS=1 \
    DYNALITE_ALLOW_HOST=*
WORKDIR /data
EXPOSE 8000
ENTRYPOINT ["dynalite-py"]
# in memory, as amazon/dynamodb-local's default; `serve --data-dir /data` keeps it
CMD ["serve", "--in-memory"]
