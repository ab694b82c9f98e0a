//! `flow:https-check`: one HTTP/1.1 request to a URL, with the certificate checked the way
//! `curl` checks it, and each way of failing named apart so Retry and Catch can tell them.
//!
//! Parameters:
//!
//! | field | | |
//! |---|---|---|
//! | `Url` | required | `https://host[:port]/path` (`http://` works too, without TLS) |
//! | `Method` | optional | `GET` (default) or `HEAD` (what `curl -I` sends) |
//! | `ExpectedStatus` | optional | a status code or a list of them; default `200` |
//! | `CaFile` | optional | PEM file of the CAs to trust *instead of* the system's (like `curl --cacert`) |
//! | `ConnectTo` | optional | `host:port` (or `host`) to connect to instead of the URL's; the certificate is still checked against the URL's host (like `curl --connect-to`) |
//! | `Headers` | optional | `{"Name": "value"}`, added to the request |
//! | `TimeoutSeconds` | optional | bound on connect + handshake + response head; default 30 |
//!
//! The result: `{"Status": 200, "HttpVersion": "HTTP/1.1", "Headers": {"content-type": ...},
//! "Certificate": {"Subject", "Issuer", "SubjectAlternativeNames", "NotBefore", "NotAfter",
//! "SerialNumber"}}` (`Certificate`: the server's leaf certificate, for https only). The body is
//! not read.
//!
//! Trust: without `CaFile` the system's trusted CAs (as `curl` on the same machine); rustls
//! with the ring provider, TLS 1.2 and 1.3, ALPN `http/1.1`.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::header::{HOST, HeaderName, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Response, Uri, Version};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, RootCertStore};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::params::{Field, KeyRule, Kind};

pub(crate) const FIELDS: &[Field] = &[
    Field {
        name: "Url",
        kind: Kind::Url,
        required: true,
    },
    Field {
        name: "Method",
        kind: Kind::OneOf(&["GET", "HEAD"]),
        required: false,
    },
    Field {
        name: "ExpectedStatus",
        kind: Kind::StatusCodes,
        required: false,
    },
    Field {
        name: "CaFile",
        kind: Kind::String,
        required: false,
    },
    Field {
        name: "ConnectTo",
        kind: Kind::HostPort,
        required: false,
    },
    Field {
        name: "Headers",
        kind: Kind::StringMap {
            key_rule: KeyRule::HeaderName,
        },
        required: false,
    },
    Field {
        name: "TimeoutSeconds",
        kind: Kind::PositiveSeconds,
        required: false,
    },
];

const DEFAULT_TIMEOUT_SECONDS: f64 = 30.0;

/// Where a check goes, read from its URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    tls: bool,
    /// The URL's host without IPv6 brackets: the name the certificate must carry.
    host: String,
    port: u16,
    /// `host[:port]` as written in the URL: the `Host` header.
    authority: String,
    path_and_query: String,
}

impl Target {
    pub(crate) fn parse_url(text: &str) -> std::result::Result<Target, String> {
        let uri: Uri = text
            .parse()
            .map_err(|error| format!("not a URL: {error}"))?;
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => return Err(format!("the scheme must be https (or http), not {other}")),
            None => return Err("must be an absolute URL (https://host/path)".into()),
        };
        let authority = uri.authority().ok_or("the URL has no host")?;
        if authority.as_str().contains('@') {
            return Err("user names in the URL are not supported".into());
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        Ok(Target {
            tls,
            host: host.to_owned(),
            port: uri.port_u16().unwrap_or(if tls { 443 } else { 80 }),
            authority: authority.as_str().to_owned(),
            path_and_query: uri
                .path_and_query()
                .map_or("/", |path| path.as_str())
                .to_owned(),
        })
    }
}

/// Reads `host:port`, `host`, `[v6]:port` or `[v6]`.
pub(crate) fn parse_host_port(text: &str) -> std::result::Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its closing ']'")?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("expected ':port' after ']'")?,
                ),
            ),
        }
    } else {
        match text.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err("write an IPv6 address in brackets: [::1]:8443".into());
            }
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() {
        return Err("the host is empty".into());
    }
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("\"{port}\" is not a port (1 to 65535)")),
        },
    };
    Ok((host.to_owned(), port))
}

/// The parameters, once [`FIELDS`] accepted them.
#[derive(Debug)]
struct CheckParameters {
    url: String,
    target: Target,
    method: Method,
    expected: Vec<u16>,
    ca_file: Option<String>,
    connect_to: Option<(String, Option<u16>)>,
    headers: Vec<(String, String)>,
    timeout: f64,
}

impl CheckParameters {
    /// Reads parameters that passed [`crate::params::check`]; the shapes are known good, so a
    /// failure here is reported as a parameter problem rather than assumed away.
    fn from_checked(parameters: &Map<String, Value>) -> std::result::Result<Self, String> {
        let url = parameters
            .get("Url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let expected = match parameters.get("ExpectedStatus") {
            None => vec![200],
            Some(Value::Array(items)) => items.iter().filter_map(status).collect(),
            Some(single) => status(single).into_iter().collect(),
        };
        Ok(CheckParameters {
            target: Target::parse_url(&url)?,
            url,
            method: match parameters.get("Method").and_then(Value::as_str) {
                Some("HEAD") => Method::HEAD,
                _ => Method::GET,
            },
            expected,
            ca_file: parameters
                .get("CaFile")
                .and_then(Value::as_str)
                .map(str::to_owned),
            connect_to: parameters
                .get("ConnectTo")
                .and_then(Value::as_str)
                .map(parse_host_port)
                .transpose()?,
            headers: parameters
                .get("Headers")
                .and_then(Value::as_object)
                .map(|map| {
                    map.iter()
                        .filter_map(|(name, value)| {
                            Some((name.clone(), value.as_str()?.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            timeout: parameters
                .get("TimeoutSeconds")
                .and_then(Value::as_f64)
                .unwrap_or(DEFAULT_TIMEOUT_SECONDS),
        })
    }
}

fn status(value: &Value) -> Option<u16> {
    value.as_u64().and_then(|code| u16::try_from(code).ok())
}

pub(crate) async fn run(parameters: &Map<String, Value>) -> Result<Value> {
    let parameters =
        CheckParameters::from_checked(parameters).map_err(|message| Error::InvalidParameters {
            resource: crate::Resource::HttpsCheck.name(),
            problems: vec![crate::params::Problem::new("", message)],
        })?;
    let seconds = parameters.timeout;
    let result =
        match tokio::time::timeout(Duration::from_secs_f64(seconds), check(&parameters)).await {
            Ok(result) => result?,
            Err(_elapsed) => {
                return Err(Error::HttpsTimeout {
                    url: parameters.url.clone(),
                    seconds,
                });
            }
        };
    expect_status(&parameters.url, &result, &parameters.expected)?;
    Ok(result)
}

async fn check(parameters: &CheckParameters) -> Result<Value> {
    let target = &parameters.target;
    // Read the trust anchors before connecting: a bad CaFile is not a server's fault.
    let tls = match target.tls {
        true => Some(tls_config(parameters.ca_file.as_deref())?),
        false => None,
    };

    let (connect_host, connect_port) = match &parameters.connect_to {
        Some((host, port)) => (host.clone(), port.unwrap_or(target.port)),
        None => (target.host.clone(), target.port),
    };
    let address = display_address(&connect_host, connect_port);
    let connection_failed =
        |source: Box<dyn std::error::Error + Send + Sync>| Error::HttpsConnectionFailed {
            address: address.clone(),
            source,
        };
    let tcp = TcpStream::connect((connect_host.as_str(), connect_port))
        .await
        .map_err(|error| connection_failed(error.into()))?;

    let Some((config, system_roots)) = tls else {
        let response = exchange(tcp, parameters)
            .await
            .map_err(|error| classify_http(error, parameters, &address))?;
        return Ok(describe_response(&response, None));
    };

    let server_name =
        ServerName::try_from(target.host.clone()).map_err(|error| Error::InvalidParameters {
            resource: crate::Resource::HttpsCheck.name(),
            problems: vec![crate::params::Problem::new(
                "/Url",
                format!("the host is not a valid TLS server name: {error}"),
            )],
        })?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(server_name, tcp)
        .await
        .map_err(|error| classify_handshake(error, &target.host, system_roots, &address))?;
    let certificate = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|leaf| describe_certificate(leaf));
    let response = exchange(stream, parameters)
        .await
        .map_err(|error| classify_http(error, parameters, &address))?;
    Ok(describe_response(&response, certificate.flatten()))
}

fn display_address(host: &str, port: u16) -> String {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(_)) => format!("[{host}]:{port}"),
        _ => format!("{host}:{port}"),
    }
}

/// The rustls client configuration: the CaFile's CAs, or the system's (second value: true).
fn tls_config(ca_file: Option<&str>) -> Result<(Arc<ClientConfig>, bool)> {
    let (roots, system_roots) = match ca_file {
        Some(path) => (Arc::new(ca_file_roots(path)?), false),
        None => (system_roots(), true),
    };
    // The provider is named rather than taken from the process default: another crate in the
    // build may enable a second rustls provider, and then no default can be picked.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::HttpsHandshakeFailed {
            host: String::new(),
            source: error.into(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), system_roots))
}

fn ca_file_roots(path: &str) -> Result<RootCertStore> {
    let invalid = |reason: String| Error::HttpsInvalidCaFile {
        path: path.to_owned(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    let certificates =
        CertificateDer::pem_file_iter(path).map_err(|error| invalid(error.to_string()))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|error| invalid(error.to_string()))?;
        roots
            .add(certificate)
            .map_err(|error| invalid(format!("a certificate was refused: {error}")))?;
    }
    if roots.is_empty() {
        return Err(invalid("holds no PEM certificate".into()));
    }
    Ok(roots)
}

/// The system's trusted CAs, read once per process.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            // Unreadable entries are skipped: a check against an unusable store fails as
            // untrusted, which names the fix (CaFile).
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            Arc::new(roots)
        })
        .clone()
}

fn classify_handshake(
    error: std::io::Error,
    host: &str,
    system_roots: bool,
    address: &str,
) -> Error {
    let tls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match tls_error {
        Some(rustls::Error::InvalidCertificate(CertificateError::NotValidForName)) => {
            Error::HttpsHostnameMismatch {
                host: host.to_owned(),
                presented: Vec::new(),
            }
        }
        Some(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            presented,
            ..
        })) => Error::HttpsHostnameMismatch {
            host: host.to_owned(),
            presented: presented.iter().map(|name| bare_name(name)).collect(),
        },
        Some(source @ rustls::Error::InvalidCertificate(_)) => Error::HttpsUntrustedCertificate {
            host: host.to_owned(),
            system_roots,
            source,
        },
        Some(other) => Error::HttpsHandshakeFailed {
            host: host.to_owned(),
            source: other.into(),
        },
        // Reset or closed during the handshake: the connection, not TLS, failed.
        None => Error::HttpsConnectionFailed {
            address: address.to_owned(),
            source: error.into(),
        },
    }
}

/// rustls reports presented names as `DnsName("vas.example.com")`; keep the name.
fn bare_name(presented: &str) -> String {
    presented
        .split_once("(\"")
        .and_then(|(_, rest)| rest.strip_suffix("\")"))
        .unwrap_or(presented)
        .to_owned()
}

fn classify_http(error: hyper::Error, parameters: &CheckParameters, address: &str) -> Error {
    if error.is_parse() || error.is_parse_status() {
        Error::HttpsInvalidResponse {
            url: parameters.url.clone(),
            source: error.into(),
        }
    } else {
        Error::HttpsConnectionFailed {
            address: address.to_owned(),
            source: error.into(),
        }
    }
}

/// Sends the request on a fresh connection and returns the response head. The body is left
/// unread: the connection is dropped with it.
async fn exchange<S>(
    io: S,
    parameters: &CheckParameters,
) -> std::result::Result<Response<hyper::body::Incoming>, hyper::Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io)).await?;
    let mut request = Request::new(Empty::<Bytes>::new());
    *request.method_mut() = parameters.method.clone();
    *request.version_mut() = Version::HTTP_11;
    *request.uri_mut() = parameters
        .target
        .path_and_query
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let headers = request.headers_mut();
    if let Ok(host) = HeaderValue::from_str(&parameters.target.authority) {
        headers.insert(HOST, host);
    }
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(concat!("flow/", env!("CARGO_PKG_VERSION"))),
    );
    for (name, value) in &parameters.headers {
        // Names and values were checked with the parameters.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }

    let mut connection = std::pin::pin!(connection);
    let mut response = std::pin::pin!(sender.send_request(request));
    tokio::select! {
        biased;
        response = &mut response => response,
        closed = &mut connection => match closed {
            Err(error) => Err(error),
            // Closed cleanly before a response: the request's future reports it as an error.
            Ok(()) => response.await,
        },
    }
}

fn describe_response<B>(response: &Response<B>, certificate: Option<Value>) -> Value {
    let mut headers = Map::new();
    for (name, value) in response.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    let mut result = json!({
        "Status": response.status().as_u16(),
        "HttpVersion": format!("{:?}", response.version()),
        "Headers": headers,
    });
    if let (Some(certificate), Some(result)) = (certificate, result.as_object_mut()) {
        result.insert("Certificate".into(), certificate);
    }
    result
}

fn describe_certificate(der: &CertificateDer<'_>) -> Option<Value> {
    use x509_parser::extensions::GeneralName;

    let (_, certificate) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let names: Vec<String> = match certificate.subject_alternative_name() {
        Ok(Some(extension)) => extension
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(name) => Some((*name).to_owned()),
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes)
                        .ok()
                        .map(|octets| IpAddr::from(octets).to_string()),
                    16 => <[u8; 16]>::try_from(*bytes)
                        .ok()
                        .map(|octets| IpAddr::from(octets).to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let timestamp = |seconds: i64| {
        time::OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .and_then(|at| {
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
    };
    Some(json!({
        "Subject": certificate.subject().to_string(),
        "Issuer": certificate.issuer().to_string(),
        "SubjectAlternativeNames": names,
        "NotBefore": timestamp(certificate.validity().not_before.timestamp()),
        "NotAfter": timestamp(certificate.validity().not_after.timestamp()),
        "SerialNumber": certificate.raw_serial_as_string(),
    }))
}

/// Checks the check's status against `ExpectedStatus`.
fn expect_status(url: &str, result: &Value, expected: &[u16]) -> Result<()> {
    let got = result.get("Status").and_then(Value::as_u64).unwrap_or(0);
    if expected.iter().any(|&code| u64::from(code) == got) {
        return Ok(());
    }
    let reason = u16::try_from(got)
        .ok()
        .and_then(|code| hyper::StatusCode::from_u16(code).ok()?.canonical_reason());
    let status = match reason {
        Some(reason) => format!("{got} {reason}"),
        None => got.to_string(),
    };
    Err(Error::HttpsUnexpectedStatus {
        url: url.to_owned(),
        expected: expected.to_vec(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let target = Target::parse_url("https://vas.example.com/swagger-ui/?x=1").unwrap();
        assert!(target.tls);
        assert_eq!(
            (target.host.as_str(), target.port),
            ("vas.example.com", 443)
        );
        assert_eq!(target.authority, "vas.example.com");
        assert_eq!(target.path_and_query, "/swagger-ui/?x=1");
        let target = Target::parse_url("http://[::1]:8080").unwrap();
        assert_eq!(
            (target.host.as_str(), target.port, target.tls),
            ("::1", 8080, false)
        );
        assert_eq!(target.path_and_query, "/");
        assert!(Target::parse_url("ftp://x/").is_err());
        assert!(Target::parse_url("/relative").is_err());
        assert!(Target::parse_url("https://user@x/").is_err());
    }

    #[test]
    fn host_ports() {
        assert_eq!(
            parse_host_port("127.0.0.1:8443"),
            Ok(("127.0.0.1".into(), Some(8443)))
        );
        assert_eq!(parse_host_port("localhost"), Ok(("localhost".into(), None)));
        assert_eq!(parse_host_port("[::1]:443"), Ok(("::1".into(), Some(443))));
        assert_eq!(parse_host_port("[::1]"), Ok(("::1".into(), None)));
        assert!(parse_host_port("::1").is_err());
        assert!(parse_host_port("host:0").is_err());
        assert!(parse_host_port(":443").is_err());
    }
}
