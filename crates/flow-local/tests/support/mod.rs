//! Helpers shared by the integration tests: task requests, process and file polling, and a
//! loopback HTTPS server with certificates made on the spot.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flow_engine::{ExecutionId, StepId, TaskRequest};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// How often the polling helpers look again.
const POLL: Duration = Duration::from_millis(20);

pub fn request(resource: &str, parameters: Value) -> TaskRequest {
    TaskRequest {
        resource: resource.to_owned(),
        parameters,
        execution: ExecutionId("exec-1".into()),
        step: StepId(7),
        state: "Check".into(),
        attempt: 2,
        idempotency_token: "exec-1/7".into(),
        recovering: false,
        timeout_seconds: None,
    }
}

/// Whether the process is gone (or a zombie nobody reaps) within `bound`.
pub async fn process_is_gone(pid: u32, bound: Duration) -> bool {
    let deadline = Instant::now() + bound;
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        let gone = match stat {
            Err(_) => true,
            // The state follows the command name, which is in parentheses.
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        };
        if gone {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The file's contents once it exists; panics after `bound`.
pub async fn wait_for_file(path: &Path, bound: Duration) -> String {
    let deadline = Instant::now() + bound;
    loop {
        if let Ok(contents) = std::fs::read_to_string(path) {
            return contents;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not appear within {bound:?}",
            path.display()
        );
        tokio::time::sleep(POLL).await;
    }
}

/// A CA made for one test, its certificate written as PEM into a temporary directory.
pub struct TestCa {
    pub issuer: Issuer<'static, KeyPair>,
    pub pem_file: PathBuf,
}

impl TestCa {
    pub fn new(name: &str, directory: &Path) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        let pem_file = directory.join(format!("{name}.pem").replace(' ', "-"));
        std::fs::write(&pem_file, certificate.pem()).unwrap();
        TestCa {
            issuer: Issuer::new(params, key),
            pem_file,
        }
    }

    /// A server certificate for `names`, valid from yesterday to tomorrow unless `expired`.
    pub fn server_certificate(
        &self,
        names: &[&str],
        expired: bool,
    ) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params = CertificateParams::new(
            names
                .iter()
                .map(|name| name.to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        params.distinguished_name.push(DnType::CommonName, names[0]);
        let now = time::OffsetDateTime::now_utc();
        let day = time::Duration::days(1);
        (params.not_before, params.not_after) = match expired {
            false => (now - day, now + day),
            true => (now - 3 * day, now - 2 * day),
        };
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        (
            certificate.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// How the test server treats a connection.
#[derive(Clone)]
pub enum Serve {
    /// TLS with this certificate, then HTTP.
    Tls(Arc<rustls::ServerConfig>),
    /// Plain HTTP.
    Plain,
    /// Accept and never answer.
    Silent,
}

impl Serve {
    pub fn tls(certificate: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> Serve {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .unwrap();
        Serve::Tls(Arc::new(config))
    }
}

/// Starts a server on 127.0.0.1 (a free port) and returns the port. It answers `/status/N`
/// with status N and anything else with 200, and lives as long as the test's runtime.
pub async fn start_server(serve: Serve) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            match serve.clone() {
                Serve::Silent => held.push(stream),
                Serve::Plain => {
                    tokio::spawn(answer(stream));
                }
                Serve::Tls(config) => {
                    tokio::spawn(async move {
                        // A client that refuses the certificate ends the handshake: fine.
                        if let Ok(stream) =
                            tokio_rustls::TlsAcceptor::from(config).accept(stream).await
                        {
                            answer(stream).await;
                        }
                    });
                }
            }
        }
    });
    port
}

async fn answer(mut stream: impl AsyncRead + AsyncWrite + Unpin) {
    let mut request = Vec::new();
    let mut chunk = [0; 1024];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&chunk[..read]),
        }
        // Not HTTP (a TLS hello on the plain port): answer at once, as real servers do.
        if !request[0].is_ascii_uppercase() {
            break;
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let status: u16 = match request.starts_with(|first: char| first.is_ascii_uppercase()) {
        true => path
            .strip_prefix("/status/")
            .and_then(|code| code.parse().ok())
            .unwrap_or(200),
        false => 400,
    };
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("");
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nX-Test: a\r\nX-Test: b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A loopback port nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}
