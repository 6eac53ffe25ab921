//! Anthropic models need the account's use-case form (the setup guide's Step 1) before first use.

use super::model_support::{calls_finding_the_model, ModelCheck};
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Facts, Report};

/// **Verifies:** that the account's Anthropic use-case form was submitted
/// (`bedrock:GetUseCaseForModelAccess`, for the account or inherited from the Organization's
/// management account), and whether its description mentions "Claude", which the guide warns AWS
/// denies.
/// **Calls:** `bedrock:GetUseCaseForModelAccess` (free, read only: the doctor never submits or
/// changes the form), plus the shared invocation unless `--no-invoke`, whose "use case details have
/// not been submitted" refusal is proof either way.
/// **Skips when:** the model is not Anthropic's, or neither the form nor an invocation can be read.
/// **Fails when:** no form was submitted (`use-case-not-submitted`), or the form may not be read
/// (`iam-action-denied`, `scp-explicit-deny`) and no invocation settles it.
/// **Warns when:** the form's description mentions "Claude" (`use-case-mentions-claude`).
pub struct UseCase;

impl ModelCheck for UseCase {
    const META: &'static CheckMeta = &CheckMeta {
        id: "use-case",
        title: "Anthropic use-case form",
        category: Category::UseCaseForm,
        per_model: false,
        per_region: true,
        description: "The Anthropic use-case form was submitted for the account.",
        calls: &calls_finding_the_model::<5>(&[
            "bedrock:GetUseCaseForModelAccess",
            "bedrock:InvokeModel",
        ]),
    };

    async fn run_on(&self, facts: &Facts, id: String) -> Report {
        if !id.starts_with("anthropic.") {
            return Report::skip(format!(
                "{id} is not an Anthropic model; only those need the form"
            ));
        }
        let (form, invoke) = tokio::join!(facts.use_case_form(), facts.invoke_if_allowed(&id));
        let refused = invoke
            .as_ref()
            .and_then(|o| o.result.as_ref().err())
            .filter(|e| e.diagnosis == dx::USE_CASE_NOT_SUBMITTED);
        if let Some(e) = refused {
            return Report::fail(
                dx::USE_CASE_NOT_SUBMITTED,
                format!("the invocation was refused: {}", e.summary),
            )
            .evidence([e.evidence.clone()]);
        }
        match form {
            Ok(form) => {
                let company = form.company.as_deref().unwrap_or("unnamed company");
                let mentions = form
                    .use_cases
                    .as_deref()
                    .is_some_and(|u| u.to_lowercase().contains("claude"));
                let report = if mentions {
                    Report::warn(
                        dx::USE_CASE_MENTIONS_CLAUDE,
                        format!("the form submitted for {company} mentions \"Claude\" in its use-case description"),
                    )
                } else {
                    Report::pass(format!("submitted for {company}"))
                };
                report.evidence([form.evidence])
            }
            Err(FactError::Call(err)) if is_not_submitted(&err) => Report::fail(
                dx::USE_CASE_NOT_SUBMITTED,
                "no use-case form has been submitted for this account",
            )
            .evidence([err.evidence]),
            Err(FactError::Call(err))
                if matches!(
                    err.diagnosis,
                    dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY | dx::UNKNOWN
                ) && err.evidence.http_status == Some(403) =>
            {
                match invoke.map(|o| o.result.is_ok()) {
                    Some(true) => Report::pass("the form is not readable by this caller, but the invocation succeeded, so it is in place")
                        .evidence([err.evidence]),
                    _ => Report::skip(format!(
                        "cannot read the form (GetUseCaseForModelAccess: {}); an invocation would tell",
                        err.evidence.error_code.as_deref().unwrap_or("denied")
                    )),
                }
            }
            Err(err) => err.to_report(),
        }
    }
}

/// GetUseCaseForModelAccess answers ResourceNotFound when no form exists ("Use case form not
/// found.";
/// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_GetUseCaseForModelAccess.html).
fn is_not_submitted(err: &crate::calls::CallError) -> bool {
    err.diagnosis == dx::USE_CASE_NOT_SUBMITTED
        || err.evidence.error_code.as_deref() == Some("ResourceNotFoundException")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_verdict, ok};
    use crate::facts::test_support::facts_with_bedrock_settings;
    use crate::Check;
    use crate::{Settings, Status};
    use aws_smithy_mocks::{mock, Rule};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn settings() -> Settings {
        Settings {
            models: vec!["anthropic.claude-3-haiku-20240307-v1:0".into()],
            no_invoke: true,
            ..crate::facts::test_support::settings()
        }
    }

    /// The check over a Bedrock answering `GetUseCaseForModelAccess` by `rule`.
    async fn run_with(rule: &Rule) -> Report {
        UseCase
            .run(&facts_with_bedrock_settings(settings(), &[rule]))
            .await
    }

    /// The check over a submitted form whose description of the use cases is `use_cases`.
    async fn run_with_form(use_cases: &str) -> Report {
        let body = form(use_cases);
        let rule = mock!(aws_sdk_bedrock::Client::get_use_case_for_model_access)
            .then_http_response(move || ok(body.clone()));
        run_with(&rule).await
    }

    fn form(use_cases: &str) -> String {
        use base64::Engine;
        let json = serde_json::json!({"companyName": "Example Corp", "companyWebsite": "https://example.com",
            "intendedUsers": "0", "industryOption": "Technology", "otherIndustryOption": "", "useCases": use_cases});
        let data = base64::engine::general_purpose::STANDARD.encode(json.to_string());
        format!(r#"{{"formData":"{data}"}}"#)
    }

    #[tokio::test]
    async fn passes_a_submitted_form() {
        let report =
            run_with_form("Internal tool for analyzing and understanding how codebases work.")
                .await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert!(report.summary.contains("Example Corp"));
    }

    #[tokio::test]
    async fn warns_when_the_description_mentions_claude() {
        let report = run_with_form("We will use Claude to summarise tickets.").await;
        assert_verdict(&report, Status::Warn, dx::USE_CASE_MENTIONS_CLAUDE);
    }

    #[tokio::test]
    async fn fails_when_no_form_was_submitted() {
        let rule = mock!(aws_sdk_bedrock::Client::get_use_case_for_model_access).then_http_response(|| {
            let mut r = HttpResponse::new(StatusCode::try_from(404).unwrap(), SdkBody::from(r#"{"message":"Use case form not found."}"#));
            r.headers_mut().insert("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.bedrock/");
            r
        });
        let report = run_with(&rule).await;
        assert_verdict(&report, Status::Fail, dx::USE_CASE_NOT_SUBMITTED);
    }
}
