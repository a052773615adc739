"""DynamoDB's operations (service "dynamodb"), one module per operation, by
family: tables/ (the catalog and table settings), items/ (items addressed
by their full primary key: single, batched, transactional) and reads/
(Query and Scan). capacity.py and throttling.py serve every family.

An operation module declares NAME (the operation), READ_ONLY, and
`run(engine, request) -> response`, holding the operation's semantic
validation and its execution side by side; the engine finds it by NAME
(engine.OPERATIONS). What the operation's request shape needs beyond
botocore's model it declares as SHAPE_RULES (protocol/validation.py).
"""
from ..protocol.validation import ShapeRules

SERVICE = "dynamodb"

# Shapes several operations share, so their rules are the service's (a
# shape only one operation reaches has its rules in that operation's module).
# From dynalite's per-operation declarations and tests, recorded against
# DynamoDB, unless said otherwise.
SHAPE_RULES = ShapeRules(
    member_order={
        "ProvisionedThroughput": ("WriteCapacityUnits", "ReadCapacityUnits"),
        "LocalSecondaryIndex": ("Projection", "IndexName", "KeySchema"),
        "GlobalSecondaryIndex": ("Projection", "IndexName", "ProvisionedThroughput",
                                 "KeySchema"),
        "ExpectedAttributeValue": ("AttributeValueList", "ComparisonOperator", "Exists",
                                   "Value"),
    },
    # enum values as DynamoDB lists them in messages
    enum_order={
        "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
        "ComparisonOperator": ("IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT",
                               "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"),
        "ConditionalOperator": ("OR", "AND"),
        "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
        "ScalarAttributeType": ("B", "N", "S"),
        "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
    },
    member_overrides={
        # an LSI's KeySchema is at most 2 long (dynalite test/createTable.js;
        # AWS capture "... less than or equal to 2"): the model dropped that
        # max when GSIs got multi-attribute keys
        ("LocalSecondaryIndex", "KeySchema"): {"max": 2},
        # The tag operations (dynamodb/tags/) report a missing or empty
        # ResourceArn themselves ("Invalid TableArn", an AccessDeniedException
        # for ''): dynalite test/tagResource.js, untagResource.js,
        # listTagsOfResource.js; and a tag without Key or Value ("The Tag
        # Key provided is invalid, Key: null": ack-api-quirks DDB-TABLE-457).
        ("TagResourceInput", "ResourceArn"): {"required": False, "unconstrained": True},
        ("TagResourceInput", "Tags"): {"required": False},
        ("UntagResourceInput", "ResourceArn"): {"required": False, "unconstrained": True},
        ("UntagResourceInput", "TagKeys"): {"required": False},
        ("ListTagsOfResourceInput", "ResourceArn"): {"required": False, "unconstrained": True},
        # a TableClass outside the enum is "Invalid table-class parameter
        # provided. ..." (tables/table_settings.py; DDB-TABLE-442)
        ("CreateTableInput", "TableClass"): {"unconstrained": True},
        ("UpdateTableInput", "TableClass"): {"unconstrained": True},
        ("Tag", "Key"): {"required": False},
        ("Tag", "Value"): {"required": False},
    },
    # a tag key or value of a bad length is "The Tag Key provided is invalid,
    # Key: ..." (dynamodb/tags/tagging.py), not a length constraint
    # (ack-api-quirks DDB-TABLE-107)
    drop_length=frozenset(("TagKeyString", "TagValueString")),
)
