"""GetFunctionConfiguration (Lambda)."""
NAME = "GetFunctionConfiguration"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        return engine.functions.configuration(
            engine.functions.require(txn, request["FunctionName"]))
