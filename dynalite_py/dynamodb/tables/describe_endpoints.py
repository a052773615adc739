"""DescribeEndpoints: the regional endpoint, cached for a day."""
NAME = "DescribeEndpoints"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    address = f"dynamodb.{engine.config.region}.amazonaws.com"
    return {"Endpoints": [{"Address": address, "CachePeriodInMinutes": 1440}]}
