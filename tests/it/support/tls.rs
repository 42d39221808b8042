//! A TLS fixture: a throwaway CA (rcgen) and a loopback HTTPS server whose
//! certificate it signed. [`TlsServer::start`] answers every request with
//! 404 — enough to test what a client does with a certificate it does (or
//! does not) trust; [`TlsServer::relay`] puts HTTPS in front of a plain
//! fixture server (one request per connection, as that server answers).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

/// A running HTTPS server and the CA bundle that trusts it.
pub struct TlsServer {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// The CA certificate (PEM), for SSL_CERT_FILE.
    pub ca_file: PathBuf,
}

impl TlsServer {
    /// Starts a server answering 404; the CA is written to `dir/ca.pem`.
    pub fn start(dir: &Path) -> TlsServer {
        TlsServer::launch(dir, |tls| {
            let mut buf = [0u8; 4096];
            if tls.read(&mut buf).is_ok() {
                let _ = tls.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
                );
                let _ = tls.flush();
            }
        })
    }

    /// HTTPS in front of the plain HTTP server at `upstream`
    /// (`http://127.0.0.1:<port>`): each request is passed on as it came
    /// and the answer sent back until the upstream closes.
    pub fn relay(dir: &Path, upstream: &str) -> TlsServer {
        let addr = upstream.trim_start_matches("http://").to_string();
        TlsServer::launch(dir, move |tls| {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let Ok(mut up) = std::net::TcpStream::connect(&addr) else {
                return;
            };
            if up.write_all(&request).is_err() {
                return;
            }
            let _ = std::io::copy(&mut up, tls);
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        })
    }

    fn launch(
        dir: &Path,
        handle: impl Fn(&mut rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>)
        + Send
        + Sync
        + 'static,
    ) -> TlsServer {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "modsnap test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();

        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(vec![leaf.der().clone()], key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let handle = Arc::new(handle);
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, handle) = (config.clone(), handle.clone());
                std::thread::spawn(move || {
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, tcp);
                    handle(&mut tls);
                });
            }
        });
        TlsServer { url, ca_file }
    }
}
