//! The TLS layer of a doctor probe: one handshake with a verifier that
//! records the server's certificate chain and checks it twice — against
//! the extra CA bundles the user configured (SSL_CERT_FILE, SSL_CERT_DIR)
//! and against the system store — so doctor can say who the certificate is
//! for, who issued it, when it expires, and whether only the custom CA
//! makes it trusted. No data is sent after the handshake.

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What the handshake showed.
pub(crate) struct TlsFinding {
    /// The leaf's subject, issuer and expiry, when one was received.
    pub certificate: Option<String>,
    /// `Ok(which roots trust it)` or `Err(why not)`.
    pub trust: Result<&'static str, String>,
}

/// The leaf certificate (DER) and the verdict on it.
type Seen = (Vec<u8>, Result<&'static str, String>);

#[derive(Debug)]
struct Recorder {
    custom: Option<Arc<WebPkiServerVerifier>>,
    system: Option<Arc<WebPkiServerVerifier>>,
    signatures: Arc<WebPkiServerVerifier>,
    seen: Mutex<Option<Seen>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let check = |v: &Option<Arc<WebPkiServerVerifier>>| {
            v.as_ref().map(|v| {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        };
        let trust = match (check(&self.custom), check(&self.system)) {
            (Some(Ok(())), _) => Ok("trusted through the custom CA (SSL_CERT_FILE/SSL_CERT_DIR)"),
            (_, Some(Ok(()))) => Ok("trusted through the system roots"),
            (_, Some(Err(e))) | (Some(Err(e)), None) => Err(e),
            (None, None) => Err("no trusted roots at all".to_string()),
        };
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((end_entity.as_ref().to_vec(), trust));
        }
        // The handshake goes on either way: the verdict is the finding.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.supported_verify_schemes()
    }
}

fn verifier(certs: Vec<CertificateDer<'static>>) -> Option<Arc<WebPkiServerVerifier>> {
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return None;
    }
    WebPkiServerVerifier::builder(Arc::new(roots)).build().ok()
}

/// Subject, issuer and expiry of a DER certificate.
fn describe(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let expires = cert
        .validity()
        .not_after
        .to_rfc2822()
        .unwrap_or_else(|_| cert.validity().not_after.to_string());
    Some(format!(
        "subject {}, issuer {}, expires {expires}",
        cert.subject(),
        cert.issuer()
    ))
}

/// One handshake with `host` over `tcp`.
pub(crate) async fn handshake(
    tcp: tokio::net::TcpStream,
    host: &str,
    ca_files: &[std::path::PathBuf],
) -> TlsFinding {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let custom: Vec<CertificateDer<'static>> = ca_files
        .iter()
        .flat_map(|f| {
            CertificateDer::pem_file_iter(f)
                .map(|it| it.flatten().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let system = rustls_native_certs::load_native_certs().certs;
    let custom = verifier(custom);
    let system = verifier(system);
    let Some(signatures) = system.clone().or_else(|| custom.clone()) else {
        return TlsFinding {
            certificate: None,
            trust: Err("no trusted roots at all (no system store, no SSL_CERT_FILE)".into()),
        };
    };
    let recorder = Arc::new(Recorder {
        custom,
        system,
        signatures,
        seen: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return TlsFinding {
            certificate: None,
            trust: Err(format!("`{host}` is not a valid TLS server name")),
        };
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let handshake = connector.connect(name, tcp).await;
    let seen = recorder.seen.lock().ok().and_then(|mut s| s.take());
    match (seen, handshake) {
        (Some((der, trust)), _) => TlsFinding {
            certificate: describe(&der),
            trust,
        },
        (None, Err(e)) => TlsFinding {
            certificate: None,
            trust: Err(format!("handshake failed: {e}")),
        },
        (None, Ok(_)) => TlsFinding {
            certificate: None,
            trust: Err("the server sent no certificate".into()),
        },
    }
}
