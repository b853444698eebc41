"""An independent S3 client (boto3) for the tests: reads what the gateway wrote, straight from the bucket.
usage: s3_direct.py get ENDPOINT BUCKET KEY | s3_direct.py put ENDPOINT BUCKET KEY METADATA_JSON
       | s3_direct.py lifecycle ENDPOINT BUCKET"""
import hashlib
import json
import sys
from email.header import decode_header, make_header

import boto3

command, endpoint, bucket = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint)
if command == "get":
    response = s3.get_object(Bucket=bucket, Key=sys.argv[4])
    body = response["Body"].read()
    metadata = response.get("Metadata", {})
    print(json.dumps({"md5": hashlib.md5(body).hexdigest(), "size": len(body), "etag": response["ETag"],
                      "contentType": response.get("ContentType"),
                      "metadata": metadata,
                      # RFC 2047 words decoded by Python's own email package, not the gateway's code
                      "metadataDecoded": {k: str(make_header(decode_header(v))) for k, v in metadata.items()}}))
elif command == "put":
    s3.put_object(Bucket=bucket, Key=sys.argv[4], Body=b"hello", Metadata=json.loads(sys.argv[5]))
    print("{}")
elif command == "lifecycle":
    print(json.dumps(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]))
else:
    sys.exit(f"unknown command {command}")
