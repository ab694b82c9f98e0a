//! `flow:https-check` against a TLS server on 127.0.0.1 with certificates made in the test:
//! the seed's three checks (trusted, trusted through another name, refused NLB name) and the
//! other ways of failing.

mod support;

use flow_engine::{TaskError, TaskHandler};
use flow_local::LocalTasks;
use serde_json::{Value, json};

use support::{Serve, TestCa, closed_port, request, start_server};

const NAMES: &[&str] = &["vas.example.com", "vas-api-service.example.com"];

async fn check(parameters: Value) -> Result<Value, TaskError> {
    LocalTasks::new()
        .invoke(request("flow:https-check", parameters))
        .await
}

/// A server with a certificate for [`NAMES`] signed by a fresh CA: (its port, the CA, the
/// directory holding the CA's PEM file).
async fn vas_server(expired: bool) -> (u16, TestCa, tempfile::TempDir) {
    let directory = tempfile::tempdir().unwrap();
    let ca = TestCa::new("flow test CA", directory.path());
    let (certificate, key) = ca.server_certificate(NAMES, expired);
    let port = start_server(Serve::tls(certificate, key)).await;
    (port, ca, directory)
}

#[tokio::test]
async fn a_trusted_certificate_for_the_name_answers_200_with_connect_to() {
    let (port, ca, _directory) = vas_server(false).await;
    let result = check(json!({
        "Url": "https://vas.example.com/swagger-ui/",
        "Method": "HEAD",
        "CaFile": ca.pem_file,
        "ConnectTo": format!("127.0.0.1:{port}"),
    }))
    .await
    .unwrap();
    assert_eq!(result["Status"], 200);
    assert_eq!(result["HttpVersion"], "HTTP/1.1");
    assert_eq!(result["Headers"]["content-type"], "text/plain");
    assert_eq!(result["Headers"]["x-test"], "a, b");
    let certificate = &result["Certificate"];
    assert_eq!(certificate["Subject"], "CN=vas.example.com");
    assert_eq!(certificate["Issuer"], "CN=flow test CA");
    assert_eq!(certificate["SubjectAlternativeNames"], json!(NAMES));
    assert!(
        certificate["NotAfter"].as_str().unwrap().ends_with('Z'),
        "{certificate}"
    );

    // The second name of the certificate, with the port in the URL and GET (the default).
    let result = check(json!({
        "Url": format!("https://vas-api-service.example.com:{port}/swagger-ui/"),
        "CaFile": ca.pem_file,
        "ConnectTo": "127.0.0.1",
    }))
    .await
    .unwrap();
    assert_eq!(result["Status"], 200);
}

#[tokio::test]
async fn a_name_the_certificate_lacks_is_hostname_mismatch() {
    let (port, ca, _directory) = vas_server(false).await;
    let error = check(json!({
        "Url": "https://internal-vas-nlb-123456.elb.eu-west-1.amazonaws.com/swagger-ui/",
        "Method": "HEAD",
        "CaFile": ca.pem_file,
        "ConnectTo": format!("127.0.0.1:{port}"),
    }))
    .await
    .unwrap_err();
    assert_eq!(error.error, "Flow.Https.HostnameMismatch");
    assert!(
        error.cause.contains("no alternative certificate subject name matches target host name 'internal-vas-nlb-123456.elb.eu-west-1.amazonaws.com'"),
        "{}",
        error.cause
    );
    assert!(
        error
            .cause
            .ends_with("(the certificate names vas.example.com, vas-api-service.example.com)"),
        "{}",
        error.cause
    );
}

#[tokio::test]
async fn an_unknown_issuer_is_untrusted_certificate() {
    let (port, _ca, directory) = vas_server(false).await;
    let connect_to = format!("127.0.0.1:{port}");

    // The system's CAs do not include the test CA.
    let error = check(json!({"Url": "https://vas.example.com/", "ConnectTo": connect_to}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Https.UntrustedCertificate");
    assert!(error.cause.contains("give CaFile"), "{}", error.cause);
    assert!(error.cause.contains("UnknownIssuer"), "{}", error.cause);

    let other = TestCa::new("other CA", directory.path());
    let error = check(json!({"Url": "https://vas.example.com/", "ConnectTo": connect_to, "CaFile": other.pem_file}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Https.UntrustedCertificate");
}

#[tokio::test]
async fn an_expired_certificate_is_untrusted_certificate() {
    let (port, ca, _directory) = vas_server(true).await;
    let error = check(json!({
        "Url": "https://vas.example.com/",
        "CaFile": ca.pem_file,
        "ConnectTo": format!("127.0.0.1:{port}"),
    }))
    .await
    .unwrap_err();
    assert_eq!(error.error, "Flow.Https.UntrustedCertificate");
    assert!(
        error.cause.to_lowercase().contains("expired"),
        "{}",
        error.cause
    );
}

#[tokio::test]
async fn another_status_is_unexpected_status_unless_expected() {
    let (port, ca, _directory) = vas_server(false).await;
    let parameters = |expected: Option<Value>| {
        let mut parameters = json!({
            "Url": "https://vas.example.com/status/503",
            "CaFile": ca.pem_file,
            "ConnectTo": format!("127.0.0.1:{port}"),
        });
        if let Some(expected) = expected {
            parameters["ExpectedStatus"] = expected;
        }
        parameters
    };
    let error = check(parameters(None)).await.unwrap_err();
    assert_eq!(error.error, "Flow.Https.UnexpectedStatus");
    assert_eq!(
        error.cause,
        "expected status 200, got 503 Service Unavailable from https://vas.example.com/status/503"
    );

    assert_eq!(
        check(parameters(Some(json!(503)))).await.unwrap()["Status"],
        503
    );
    assert_eq!(
        check(parameters(Some(json!([200, 503])))).await.unwrap()["Status"],
        503
    );
}

#[tokio::test]
async fn a_refused_connection_is_connection_failed() {
    let port = closed_port().await;
    let error = check(json!({"Url": format!("https://127.0.0.1:{port}/")}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Https.ConnectionFailed");
    assert!(
        error.cause.contains(&format!("127.0.0.1:{port}")),
        "{}",
        error.cause
    );
}

#[tokio::test]
async fn a_silent_server_is_timeout() {
    let port = start_server(Serve::Silent).await;
    let error = check(json!({"Url": format!("https://127.0.0.1:{port}/"), "TimeoutSeconds": 0.3}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Https.Timeout");
}

#[tokio::test]
async fn plain_http_works_and_tls_to_a_plain_server_is_handshake_failed() {
    let port = start_server(Serve::Plain).await;
    let result = check(json!({"Url": format!("http://127.0.0.1:{port}/health")}))
        .await
        .unwrap();
    assert_eq!(result["Status"], 200);
    assert!(result.get("Certificate").is_none());

    let error = check(json!({"Url": format!("https://127.0.0.1:{port}/")}))
        .await
        .unwrap_err();
    assert_eq!(error.error, "Flow.Https.HandshakeFailed");
}

#[tokio::test]
async fn an_unreadable_ca_file_is_invalid_ca_file() {
    let directory = tempfile::tempdir().unwrap();
    let not_pem = directory.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for ca_file in [not_pem, directory.path().join("missing.pem")] {
        let error = check(json!({"Url": "https://vas.example.com/", "CaFile": ca_file}))
            .await
            .unwrap_err();
        assert_eq!(error.error, "Flow.Https.InvalidCaFile", "{}", error.cause);
    }
}
