//! The Bedrock endpoints must be reachable from here: DNS, TCP and TLS, directly or via a proxy.

use crate::check::Verify;
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// **Verifies:** that the endpoint URLs the SDK will use for `bedrock` and `bedrock-runtime` (an
/// `--endpoint-url`, `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL` or profile override, else the
/// regional default) resolve, accept a TCP connection and, for `https`, complete a TLS handshake
/// against the system's trust store. Reports the addresses, whether they are private (a VPC
/// interface endpoint answers with private addresses) and the proxy in use (`HTTPS_PROXY`,
/// `NO_PROXY`), with any password masked. Through a proxy only the proxy itself is probed.
/// **Calls:** no AWS API; only DNS and a connection to each endpoint. Free.
/// **Skips when:** there is no region, so no default endpoint.
/// **Fails when:** an endpoint does not resolve, connect or complete the handshake
/// (`endpoint-unreachable`).
/// **Warns when:** never.
pub struct Endpoint;

const STEP_TIMEOUT: Duration = Duration::from_secs(3);

impl Verify for Endpoint {
    const META: &'static CheckMeta = &CheckMeta {
        id: "endpoint",
        title: "Bedrock endpoints",
        category: Category::Network,
        per_model: false,
        per_region: true,
        description:
            "The bedrock and bedrock-runtime endpoints resolve and accept a (TLS) connection.",
        calls: &[],
    };

    async fn verify(&self, facts: &Facts) -> Report {
        let mut targets = Vec::new();
        for (service_id, service) in [
            ("Bedrock", "bedrock"),
            ("Bedrock Runtime", "bedrock-runtime"),
        ] {
            match endpoint_url(facts, service_id, service).await {
                Some(url) => targets.push((service, url)),
                None => {
                    return Report::skip(
                        "needs `region` to pass first (no region, no default endpoint)",
                    )
                }
            }
        }
        // With one override for both services (a VPC endpoint, a local stand-in), probe it once.
        targets.dedup_by(|later, earlier| later.1 == earlier.1);
        let probes = targets
            .iter()
            .map(|(service, url)| probe(service, url, facts.region()));
        let results = futures::future::join_all(probes).await;
        let evidence: Vec<Evidence> = results.iter().map(|r| r.evidence.clone()).collect();
        let broken: Vec<&Probe> = results.iter().filter(|r| !r.ok).collect();
        if let Some(first) = broken.first() {
            let names: Vec<&str> = broken.iter().map(|p| p.url.as_str()).collect();
            return Report::fail(
                dx::ENDPOINT_UNREACHABLE,
                format!("{}: {}", names.join(", "), first.note),
            )
            .var("endpoint", first.url.clone())
            .evidence(evidence);
        }
        let notes: Vec<String> = results
            .iter()
            .map(|p| format!("{} {}", p.url, p.note))
            .collect();
        Report::pass(notes.join("; ")).evidence(evidence)
    }
}

/// The configured override, or the SDK's own default endpoint for the region (FIPS and dual-stack
/// settings included), from the service's endpoint rules.
async fn endpoint_url(facts: &Facts, service_id: &str, service: &str) -> Option<String> {
    if let Some(url) = facts.configured_endpoint(service_id) {
        return Some(url);
    }
    let region = facts.region()?;
    let sdk = facts.sdk_config();
    let resolved = if service == "bedrock" {
        use aws_sdk_bedrock::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
        let params = Params::builder()
            .region(region)
            .set_use_fips(sdk.use_fips())
            .set_use_dual_stack(sdk.use_dual_stack())
            .build()
            .ok()?;
        DefaultResolver::new()
            .resolve_endpoint(&params)
            .await
            .ok()?
            .url()
            .to_string()
    } else {
        use aws_sdk_bedrockruntime::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
        let params = Params::builder()
            .region(region)
            .set_use_fips(sdk.use_fips())
            .set_use_dual_stack(sdk.use_dual_stack())
            .build()
            .ok()?;
        DefaultResolver::new()
            .resolve_endpoint(&params)
            .await
            .ok()?
            .url()
            .to_string()
    };
    Some(resolved)
}

struct Probe {
    url: String,
    ok: bool,
    note: String,
    evidence: Evidence,
}

async fn probe(service: &str, url: &str, region: Option<&str>) -> Probe {
    let started = Instant::now();
    let (ok, note) = match connect(url).await {
        Ok(note) => (true, note),
        Err(note) => (false, note),
    };
    let evidence = Evidence {
        service: service.to_string(),
        operation: "connect".into(),
        region: region.map(str::to_string),
        message: Some(format!("{url}: {note}")),
        duration_ms: Some(started.elapsed().as_millis() as u64),
        ..Evidence::default()
    };
    Probe {
        url: url.to_string(),
        ok,
        note,
        evidence,
    }
}

async fn connect(url: &str) -> Result<String, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("not a valid URL ({e})"))?;
    let host = uri
        .host()
        .ok_or("URL has no host")?
        .trim_matches(['[', ']'])
        .to_string();
    let tls = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        other => return Err(format!("unsupported scheme {other:?}")),
    };
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });

    if let Some(proxy) = proxy_for(&host, tls) {
        let (proxy_host, proxy_port) = proxy.host_port;
        let addrs = resolve(&proxy_host, proxy_port).await?;
        tcp(&addrs).await?;
        return Ok(format!("via proxy {} (proxy reachable)", proxy.display));
    }

    let addrs = resolve(&host, port).await?;
    let stream = tcp(&addrs).await?;
    let kind = address_kind(&addrs);
    if !tls {
        return Ok(format!(
            "reachable over plain HTTP at {}{kind}",
            stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        ));
    }
    tls_handshake(stream, &host).await?;
    Ok(format!("TLS handshake ok{kind}"))
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match tokio::time::timeout(STEP_TIMEOUT, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(format!("DNS returned no address for {host}"))
            } else {
                Ok(addrs)
            }
        }
        Ok(Err(e)) => Err(format!("DNS lookup of {host} failed ({e})")),
        Err(_) => Err(format!(
            "DNS lookup of {host} timed out after {} s",
            STEP_TIMEOUT.as_secs()
        )),
    }
}

async fn tcp(addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut last = String::new();
    for addr in addrs {
        match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = format!("TCP connection to {addr} failed ({e})"),
            Err(_) => {
                last = format!(
                    "TCP connection to {addr} timed out after {} s",
                    STEP_TIMEOUT.as_secs()
                )
            }
        }
    }
    Err(last)
}

async fn tls_handshake(stream: TcpStream, host: &str) -> Result<(), String> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    // The crypto provider of the shared HTTPS client (`facts/bootstrap.rs`), so one is linked.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| format!("bad host name ({e})"))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(STEP_TIMEOUT, connector.connect(name, stream)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("TLS handshake with {host} failed ({e})")),
        Err(_) => Err(format!(
            "TLS handshake with {host} timed out after {} s",
            STEP_TIMEOUT.as_secs()
        )),
    }
}

fn address_kind(addrs: &[SocketAddr]) -> &'static str {
    if addrs.iter().all(|a| a.ip().is_loopback()) {
        " (loopback: a local endpoint)"
    } else if addrs.iter().any(|a| is_private(a.ip())) {
        " (private address: a VPC interface endpoint)"
    } else {
        ""
    }
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

struct Proxy {
    host_port: (String, u16),
    /// The proxy URL with any password masked.
    display: String,
}

/// The proxy the SDK's HTTP client would use for this host (it honours `HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY` and `NO_PROXY`, in both cases, since behavior version 2025-08-07).
fn proxy_for(host: &str, tls: bool) -> Option<Proxy> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| std::env::var(name.to_lowercase()).ok())
            .filter(|v| !v.trim().is_empty())
    };
    let raw = if tls {
        var("HTTPS_PROXY")
    } else {
        var("HTTP_PROXY")
    }
    .or_else(|| var("ALL_PROXY"))?;
    if let Some(no_proxy) = var("NO_PROXY") {
        if no_proxy_matches(&no_proxy, host) {
            return None;
        }
    }
    parse_proxy(&raw)
}

fn no_proxy_matches(no_proxy: &str, host: &str) -> bool {
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            let entry = entry.trim_start_matches('*').trim_start_matches('.');
            entry == "*"
                || entry.is_empty() && no_proxy.contains('*')
                || host == entry
                || host.ends_with(&format!(".{entry}"))
        })
}

fn parse_proxy(raw: &str) -> Option<Proxy> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let uri: http::Uri = with_scheme.parse().ok()?;
    let host = uri.host()?.to_string();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let display = match uri.authority().map(|a| a.as_str()) {
        Some(authority) if authority.contains('@') => {
            let user = authority
                .split('@')
                .next()
                .unwrap_or_default()
                .split(':')
                .next()
                .unwrap_or_default();
            with_scheme.replacen(
                authority.split('@').next().unwrap_or_default(),
                &format!("{user}:****"),
                1,
            )
        }
        _ => with_scheme.clone(),
    };
    Some(Proxy {
        host_port: (host, port),
        display,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_proxy_passwords() {
        let proxy = parse_proxy("http://alice:hunter2@proxy.corp:3128").unwrap();
        assert_eq!(proxy.display, "http://alice:****@proxy.corp:3128");
        assert_eq!(proxy.host_port, ("proxy.corp".to_string(), 3128));
        assert!(!proxy.display.contains("hunter2"));
    }

    #[test]
    fn honours_no_proxy_suffixes() {
        assert!(no_proxy_matches(
            "localhost,.amazonaws.com",
            "bedrock.us-east-1.amazonaws.com"
        ));
        assert!(no_proxy_matches("*", "anything"));
        assert!(!no_proxy_matches(
            "example.com",
            "bedrock.us-east-1.amazonaws.com"
        ));
    }

    #[test]
    fn calls_private_addresses_vpc_endpoints() {
        let addr = |s: &str| vec![s.parse::<SocketAddr>().unwrap()];
        assert!(address_kind(&addr("10.0.3.17:443")).contains("VPC"));
        assert!(address_kind(&addr("127.0.0.1:443")).contains("loopback"));
        assert_eq!(address_kind(&addr("52.94.0.10:443")), "");
    }

    #[tokio::test]
    async fn refused_port_is_unreachable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_err();
        assert!(err.contains("failed"), "{err}");
    }

    #[tokio::test]
    async fn open_plain_http_port_is_reachable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let note = connect(&format!("http://127.0.0.1:{port}")).await.unwrap();
        assert!(
            note.contains("plain HTTP") && note.contains("loopback"),
            "{note}"
        );
    }

    #[tokio::test]
    async fn tls_to_a_plain_port_fails_clearly() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            if let Ok((mut s, _)) = listener.accept().await {
                let _ = s
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        let err = connect(&format!("https://localhost:{port}"))
            .await
            .unwrap_err();
        assert!(err.contains("TLS handshake"), "{err}");
    }
}
