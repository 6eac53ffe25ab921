//! One HTTP stack: the lock file holds one version of each crate of an HTTP/TLS stack and one
//! crypto provider for rustls. A second one comes back quietly with a dependency's default features
//! (the AWS SDK crates' `rustls` and `default-https-client`: hyper 0.14, rustls 0.21 and ring, or
//! rustls with aws-lc) and costs megabytes of binary and minutes of build; BENCHMARKS.md, "Release
//! profile", says how to see where one comes from (`cargo tree -e normal -i <crate>`).
//!
//! The lock file covers the test builds too, so this is stricter than the binary's own graph; `http`
//! is left out: the SDK's test utilities (aws-smithy-protocol-test) keep the 0.2 types in test builds.

/// The versions of `name` in Cargo.lock.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let header = format!("name = \"{name}\"\n");
    lock.split("[[package]]\n")
        .filter(|package| package.starts_with(&header))
        .filter_map(|package| {
            let version = package.lines().find(|l| l.starts_with("version = "))?;
            Some(
                version
                    .trim_start_matches("version = ")
                    .trim_matches('"')
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn one_http_stack_and_one_crypto_provider() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("Cargo.lock at the workspace root");
    for name in ["hyper", "h2", "rustls", "hyper-rustls", "tokio-rustls"] {
        let versions = locked_versions(&lock, name);
        assert_eq!(versions.len(), 1, "{name}: {versions:?} in Cargo.lock");
    }
    let providers: Vec<&str> = ["ring", "aws-lc-rs", "aws-lc-fips-sys", "openssl"]
        .into_iter()
        .filter(|name| !locked_versions(&lock, name).is_empty())
        .collect();
    assert_eq!(providers, ["ring"], "crypto providers in Cargo.lock");
}

#[test]
fn reads_the_versions_of_a_package() {
    let lock = "[[package]]\nname = \"hyper\"\nversion = \"0.14.32\"\n\n[[package]]\nname = \"hyper-util\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"hyper\"\nversion = \"1.12.0\"\n";
    assert_eq!(locked_versions(lock, "hyper"), ["0.14.32", "1.12.0"]);
    assert!(locked_versions(lock, "h2").is_empty());
}
