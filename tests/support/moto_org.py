"""Builds an AWS Organization in moto_server with real SCP objects, using boto3 as an independent
client: a root, an OU holding a member account, a region-deny SCP on the OU and FullAWSAccess on
the root. Prints the member account's temporary credentials (from sts:AssumeRole) as JSON.

Usage: moto_org.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY
"""

import json
import sys

import boto3

endpoint, key, secret = sys.argv[1:4]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret)
org = boto3.client("organizations", **kw)
management = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
root = org.list_roots()["Roots"][0]["Id"]
member = org.create_account(Email="workloads@example.com", AccountName="workloads")["CreateAccountStatus"]["AccountId"]
ou = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
# The region-deny pattern of AWS's SCP examples (Deny-access-to-AWS-based-on-the-requested-AWS-region):
# Bedrock allowed in us-east-1 and us-west-2 only.
policy = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyBedrockOutsideApprovedRegions",
            "Effect": "Deny",
            "Action": "bedrock:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
        }
    ],
}
scp = org.create_policy(
    Content=json.dumps(policy), Description="Bedrock region deny", Name="BedrockRegionDeny", Type="SERVICE_CONTROL_POLICY"
)["Policy"]["PolicySummary"]["Id"]
org.attach_policy(PolicyId=scp, TargetId=ou)
creds = boto3.client("sts", **kw).assume_role(
    RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="doctor"
)["Credentials"]
print(
    json.dumps(
        {
            "management_account": management,
            "member_account": member,
            "ou": ou,
            "root": root,
            "scp": scp,
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
        }
    )
)
