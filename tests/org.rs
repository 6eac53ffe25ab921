//! End-to-end: `bedrock-doctor org` over a multi-account Organization built in moto by boto3
//! (`tests/support/moto_orgs.py`: nested OUs, SCPs at several levels, a role per member), with the
//! stub serving each account's own Bedrock state by the credentials of the request and refusing
//! AssumeRole as AWS does.

mod support;

use support::{org, Bed};

const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

/// A profile per member account, assuming its role from the management account's keys (the
/// source profile `management`), as a person checks one account with `check --profile`.
fn role_profiles(bed: &mut Bed, external_id: Option<&str>) {
    let org = org();
    let mut config = String::from("[profile management]\nregion = us-east-1\n");
    for account in &org.accounts[1..] {
        config.push_str(&format!(
            "[profile {}]\nrole_arn = arn:aws:iam::{}:role/{}\nsource_profile = management\nrole_session_name = bedrock-doctor\nregion = us-east-1\n",
            account.name, account.id, org.role_name
        ));
        if let Some(id) = external_id {
            config.push_str(&format!("external_id = {id}\n"));
        }
    }
    let credentials = format!(
        "[management]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        bed.moto.access_key_id, bed.moto.secret_access_key
    );
    support::write_file(&bed.home, "config", &config);
    support::write_file(&bed.home, "credentials", &credentials);
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
}

/// The test bed without `org`: `check --profile` into each member through its role meets that
/// account's own Bedrock state, and the STS front refuses a role that is missing or whose trust
/// policy asks for an external id the profile does not give.
#[test]
fn check_through_each_members_role_meets_that_accounts_own_state() {
    let org = org();
    let mut bed = Bed::org(&[]);
    role_profiles(&mut bed, Some(&org.external_id));
    let verdicts = |profile: &str| {
        let (run, report) = bed.report(&["--profile", profile, "--model", SONNET_45]);
        let account = org.account(profile);
        let codes: Vec<String> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .filter_map(|c| c["diagnosis"].as_str().map(String::from))
            .collect();
        if account.state != "no-role" {
            assert_eq!(
                report["identity"]["account_id"],
                account.id.as_str(),
                "{run}"
            );
        }
        (run, codes)
    };
    let (run, codes) = verdicts("sandbox");
    run.assert_code(0);
    assert!(codes.is_empty(), "{codes:?}");
    let (run, codes) = verdicts("shared-services");
    run.assert_code(0);
    assert!(codes.is_empty(), "{codes:?}");
    let (_, codes) = verdicts("prod-platform");
    assert!(
        codes.iter().any(|c| c == "use-case-not-submitted"),
        "{codes:?}"
    );
    assert!(!codes.iter().any(|c| c.starts_with("scp-")), "{codes:?}");
    let (_, codes) = verdicts("team-a-app");
    assert!(
        codes
            .iter()
            .any(|c| c == "inference-profile-region-blocked"),
        "{codes:?}"
    );
    assert!(codes.iter().any(|c| c == "scp-explicit-deny"), "{codes:?}");
    assert!(
        !codes.iter().any(|c| c.starts_with("use-case")),
        "{codes:?}"
    );
    let (run, codes) = verdicts("dev-analytics");
    run.assert_code(1);
    assert_eq!(codes, ["assume-role-denied"], "{run}");

    // The front saw each profile's AssumeRole as the SDK sent it.
    let requests = bed.stub.assume_role_requests();
    assert!(
        requests
            .iter()
            .all(|r| r.role_session_name.as_deref() == Some("bedrock-doctor")
                && r.external_id.as_deref() == Some(org.external_id.as_str())),
        "{requests:#?}"
    );

    // Without the external id, only the role whose trust policy asks for one refuses.
    let mut bed = Bed::org(&[]);
    role_profiles(&mut bed, None);
    let (run, report) = bed.report(&["--profile", "shared-services", "--model", SONNET_45]);
    run.assert_code(1);
    support::assert_check(&report, "credentials", "fail", Some("assume-role-denied"));
    let (run, _) = bed.report(&["--profile", "sandbox", "--model", SONNET_45]);
    run.assert_code(0);

    // AWS's refusal, word for word, to the caller the front asked moto about.
    let shared = org.account("shared-services");
    let refused: Vec<_> = bed
        .stub
        .calls()
        .into_iter()
        .filter(|c| c.operation == "AssumeRole" && c.status == 403)
        .collect();
    assert!(
        !refused.is_empty() && refused.iter().all(|c| c.param == shared.role_arn),
        "{refused:#?}"
    );
    let summary = support::check(&report, "credentials")["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.contains(shared.role_arn.as_deref().unwrap()),
        "{summary}"
    );
}
