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
# A role with a path in the member account, as platform teams make them (`/ops/`): its sessions'
# ARN (assumed-role/BedrockOps/doctor) does not show the path that aws:PrincipalArn carries.
member_kw = dict(
    kw,
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"],
    aws_session_token=creds["SessionToken"],
)
trust = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{member}:root"}, "Action": "sts:AssumeRole"}],
}
path_role = boto3.client("iam", **member_kw).create_role(
    RoleName="BedrockOps", Path="/ops/", AssumeRolePolicyDocument=json.dumps(trust)
)["Role"]["Arn"]
path_creds = boto3.client("sts", **member_kw).assume_role(RoleArn=path_role, RoleSessionName="doctor")["Credentials"]
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
            "path_role_arn": path_role,
            "path_role_access_key_id": path_creds["AccessKeyId"],
            "path_role_secret_access_key": path_creds["SecretAccessKey"],
            "path_role_session_token": path_creds["SessionToken"],
        }
    )
)
