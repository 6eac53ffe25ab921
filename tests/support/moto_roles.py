"""Builds, in moto_server (IAM authentication on), a role that the seeded user may assume, using
boto3 as an independent client: role `bedrock-doctor-ops`, whose trust policy names the seeded user
(moto, like IAM, enforces the trust policy and the caller's sts:AssumeRole permission). Prints the
role ARN as JSON.

Usage: moto_roles.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY
"""

import json
import sys

import boto3

endpoint, key, secret = sys.argv[1:4]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret)
seeded = boto3.client("sts", **kw).get_caller_identity()["Arn"]
trust = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": seeded}, "Action": "sts:AssumeRole"}],
}
role = boto3.client("iam", **kw).create_role(RoleName="bedrock-doctor-ops", AssumeRolePolicyDocument=json.dumps(trust))
print(json.dumps({"role_arn": role["Role"]["Arn"]}))
