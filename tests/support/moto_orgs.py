"""Builds a multi-account AWS Organization in moto_server with boto3, for `bedrock-doctor org`:

    Root (FullAWSAccess)
    +-- Sandbox                      sandbox (healthy), retired (closed: SUSPENDED)
    +-- Workloads (DenyLeaveOrganization)
        +-- shared-services          (healthy; its role requires an external id)
        +-- Dev                      dev-analytics (no BedrockDoctorReadOnly role)
        +-- Prod (DenyLeaveOrganization)
            +-- prod-platform        (the Anthropic use-case form never submitted)
            +-- Team-A (BedrockRegionDeny: Bedrock outside us-east-1/us-east-2)
                +-- team-a-app       (a us. profile's us-west-2 leg denied by the SCP)

Each member but dev-analytics gets the role ROLE_NAME, made with the account's own credentials (an
AssumeRole into OrganizationAccountAccessRole first, the role Organizations creates in the accounts
it creates: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html),
trusting the management account's root; shared-services' trust policy also requires
`sts:ExternalId`. `retired` is closed with CloseAccount, which moto 5 turns into SUSPENDED at once
(AWS passes through PENDING_CLOSURE first). `--members N` builds N more healthy accounts, spread over Sandbox, Workloads, Dev
and Prod, for the benchmark. Prints a JSON description of the Organization: every account with its
name, OU path, state and the scenario the Bedrock stub should serve it.

Usage: moto_orgs.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY [--members N] [--role-name NAME]
"""

import argparse
import json

import boto3

ROLE_NAME = "BedrockDoctorReadOnly"
EXTERNAL_ID = "bedrock-doctor-e2e-7f3a"

# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
# ("Deny access to AWS based on the requested AWS Region"), narrowed to Bedrock: us-west-2, a
# destination of the us. cross-region inference profiles, is denied.
REGION_DENY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyBedrockOutsideApprovedRegions",
            "Effect": "Deny",
            "Action": "bedrock:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-east-2"]}},
        }
    ],
}
# Same page, "Prevent member accounts from leaving the organization": attached where it changes
# nothing for Bedrock, so the doctor walks SCPs at several levels.
DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}
# What the doctor reads (`bedrock-doctor policy` prints the exact list); only its shape matters here.
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["bedrock:Get*", "bedrock:List*", "bedrock:InvokeModel*", "servicequotas:Get*",
                       "servicequotas:List*", "iam:GetRole", "iam:SimulatePrincipalPolicy"],
            "Resource": "*",
        }
    ],
}

# name, OU (by name, None = root), state, scenario the stub serves it
MEMBERS = [
    ("sandbox", "Sandbox", "healthy", "healthy"),
    ("retired", "Sandbox", "suspended", "healthy"),
    ("shared-services", "Workloads", "healthy", "healthy"),
    ("dev-analytics", "Dev", "no-role", "healthy"),
    ("prod-platform", "Prod", "use-case-form-missing", "use_case_missing"),
    ("team-a-app", "Team-A", "scp-denies-region", "org_scp_denies_us_west_2"),
]
# OU name -> parent OU name (None: the root), in creation order.
OUS = [("Sandbox", None), ("Workloads", None), ("Dev", "Workloads"), ("Prod", "Workloads"), ("Team-A", "Prod")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("key")
    parser.add_argument("secret")
    parser.add_argument("--members", type=int, default=0)
    parser.add_argument("--role-name", default=ROLE_NAME)
    args = parser.parse_args()
    kw = dict(endpoint_url=args.endpoint, region_name="us-east-1", aws_access_key_id=args.key,
              aws_secret_access_key=args.secret)
    org = boto3.client("organizations", **kw)
    sts = boto3.client("sts", **kw)
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    management = organization["MasterAccountId"]
    root = org.list_roots()["Roots"][0]["Id"]

    ous = {}
    path_of = {None: [{"id": root, "name": "Root"}]}
    for name, parent in OUS:
        parent_id = ous[parent] if parent else root
        ou = org.create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"]["Id"]
        ous[name] = ou
        path_of[name] = path_of[parent] + [{"id": ou, "name": name}]

    def policy(name, content):
        return org.create_policy(Content=json.dumps(content), Description=name, Name=name,
                                 Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]

    deny_leave = policy("DenyLeaveOrganization", DENY_LEAVE)
    region_deny = policy("BedrockRegionDeny", REGION_DENY)
    org.attach_policy(PolicyId=deny_leave, TargetId=ous["Workloads"])
    org.attach_policy(PolicyId=deny_leave, TargetId=ous["Prod"])
    org.attach_policy(PolicyId=region_deny, TargetId=ous["Team-A"])

    members = list(MEMBERS)
    spread = ["Sandbox", "Workloads", "Dev", "Prod"]
    members += [(f"bench-{i:04d}", spread[i % len(spread)], "healthy", "healthy") for i in range(args.members)]

    accounts = [{
        "id": management,
        "name": org.describe_account(AccountId=management)["Account"]["Name"],
        "ou_path": path_of[None],
        "state": "management",
        "scenario": "healthy",
        "role_arn": None,
        "external_id": None,
    }]
    for name, ou, state, scenario in members:
        account = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[ou])
        role_arn = None
        external_id = EXTERNAL_ID if name == "shared-services" else None
        if state != "no-role":
            role_arn = create_role(sts, kw, account, management, args.role_name, external_id)
        if state == "suspended":
            org.close_account(AccountId=account)
        accounts.append({
            "id": account,
            "name": name,
            "ou_path": path_of[ou],
            "state": state,
            "scenario": scenario,
            "role_arn": role_arn,
            "external_id": external_id,
        })

    print(json.dumps({
        "organization_id": organization["Id"],
        "management_account": management,
        "root": root,
        "ous": ous,
        "scps": {"FullAWSAccess": "p-FullAWSAccess", "DenyLeaveOrganization": deny_leave,
                 "BedrockRegionDeny": region_deny},
        "role_name": args.role_name,
        "external_id": EXTERNAL_ID,
        "accounts": accounts,
    }))


def create_role(sts, kw, account, management, role_name, external_id):
    """The role in `account`, created with that account's credentials (IAM is per account: moto
    picks the account from the access key of credentials assumed there)."""
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                            RoleSessionName="seed")["Credentials"]
    iam = boto3.client("iam", **dict(kw, aws_access_key_id=creds["AccessKeyId"],
                                     aws_secret_access_key=creds["SecretAccessKey"],
                                     aws_session_token=creds["SessionToken"]))
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                 "Action": "sts:AssumeRole"}
    if external_id:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust),
                          Description="bedrock-doctor org: read-only diagnosis")["Role"]["Arn"]
    iam.put_role_policy(RoleName=role_name, PolicyName="BedrockDoctorReadOnly", PolicyDocument=json.dumps(READ_ONLY))
    return arn


if __name__ == "__main__":
    main()
