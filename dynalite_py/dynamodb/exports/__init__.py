"""Export to and import from S3: ExportTableToPointInTime, DescribeExport,
ListExports; ImportTable, DescribeImport, ListImports.

s3.py: the S3 client (serve --s3-endpoint) and how its failures are
reported; export_details.py / import_details.py: ARNs, records and the
shapes DynamoDB answers with. The work runs as background jobs under
leases (jobs/exports.py writes an export from a store snapshot,
jobs/imports.py fills a new table from S3 objects).
"""
