//! Choosing an HTTP proxy for a request the way Go's
//! `http.ProxyFromEnvironment` does (`golang.org/x/net/http/httpproxy`,
//! vendored in the Go tree as `src/vendor/golang.org/x/net/http/httpproxy/proxy.go`).
//!
//! - `https://` requests use HTTPS_PROXY, `http://` requests HTTP_PROXY;
//!   a proxy value without a scheme means `http://value`.
//! - `localhost` and loopback addresses are never proxied.
//! - NO_PROXY is a comma list of `*` (nothing is proxied), CIDR blocks, IP
//!   addresses (optionally with `:port`), and host names (optionally with
//!   `:port`); `example.com` matches the host and its subdomains, `.example.com`
//!   and `*.example.com` only subdomains. Matching is case-insensitive.
//!
//! reqwest's own environment handling differs (it proxies loopback, and
//! also reads OS settings on macOS/Windows), so modsnap installs this logic
//! as a custom proxy instead. The values come from
//! [`ProxyConfig`](super::ProxyConfig): this module reads no environment variables. The
//! CGI guard (`REQUEST_METHOD`) is the CLI's business. Non-ASCII host names
//! are compared as given (Go converts them to punycode first).

use std::net::IpAddr;

use reqwest::Url;

/// One NO_PROXY entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyRule {
    /// `ip/prefix`.
    Cidr { net: IpAddr, prefix: u8 },
    /// An IP address, with an optional port.
    Ip { ip: IpAddr, port: Option<u16> },
    /// A domain suffix starting with `.`; `match_host` also matches the
    /// suffix without its dot (written without a leading `.` or `*.`).
    Domain {
        suffix: String,
        port: Option<u16>,
        match_host: bool,
    },
}

/// The HTTP proxies to use, and the exceptions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProxyRules {
    http: Option<Url>,
    https: Option<Url>,
    all_excluded: bool,
    no_proxy: Vec<NoProxyRule>,
    /// The first proxy variable whose value is not a URL (name, value
    /// redacted): the client refuses to start, as every request the go
    /// command makes through it fails (`proxyconnect tcp: dial tcp :0`).
    pub invalid: Option<(&'static str, String)>,
}

impl ProxyRules {
    /// Builds the rules from the raw HTTP_PROXY, HTTPS_PROXY and NO_PROXY
    /// values; a proxy value that is not a URL is recorded in `invalid`.
    pub fn new(http: Option<&str>, https: Option<&str>, no_proxy: Option<&str>) -> ProxyRules {
        let mut invalid = None;
        let mut parse = |var: &'static str, v: &str| {
            let parsed = parse_proxy(v);
            if parsed.is_none() && !v.trim().is_empty() && invalid.is_none() {
                invalid = Some((var, super::redact::redact(v)));
            }
            parsed
        };
        let http = http.and_then(|v| parse("HTTP_PROXY", v));
        let https = https.and_then(|v| parse("HTTPS_PROXY", v));
        let mut rules = ProxyRules {
            http,
            https,
            invalid,
            ..ProxyRules::default()
        };
        for p in no_proxy.unwrap_or("").split(',') {
            let p = p.trim().to_ascii_lowercase();
            if p.is_empty() {
                continue;
            }
            if p == "*" {
                rules.all_excluded = true;
                rules.no_proxy.clear();
                break;
            }
            if let Some(rule) = parse_no_proxy(&p) {
                rules.no_proxy.push(rule);
            }
        }
        rules
    }

    /// Whether any proxy is configured at all.
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy for a request to `url`, if any.
    pub fn proxy_for(&self, url: &Url) -> Option<Url> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref()?,
            "http" => self.http.as_ref()?,
            _ => return None,
        };
        let port = url.port_or_known_default();
        let raw = url.host_str()?;
        let bare = raw
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(raw);
        let host = match bare.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => Host::Name(bare.to_ascii_lowercase()),
        };
        self.use_proxy(&host, port).then(|| proxy.clone())
    }

    fn use_proxy(&self, host: &Host, port: Option<u16>) -> bool {
        match host {
            Host::Name(n) if n == "localhost" => return false,
            Host::Ip(ip) if ip.is_loopback() => return false,
            _ => {}
        }
        if self.all_excluded {
            return false;
        }
        !self.no_proxy.iter().any(|rule| rule.matches(host, port))
    }
}

/// A request's host.
enum Host {
    Name(String),
    Ip(IpAddr),
}

impl NoProxyRule {
    fn matches(&self, host: &Host, port: Option<u16>) -> bool {
        let port_ok = |want: &Option<u16>| want.is_none() || *want == port;
        match (self, host) {
            (NoProxyRule::Cidr { net, prefix }, Host::Ip(ip)) => in_cidr(*net, *prefix, *ip),
            (NoProxyRule::Ip { ip: want, port: p }, Host::Ip(ip)) => want == ip && port_ok(p),
            (
                NoProxyRule::Domain {
                    suffix,
                    port: p,
                    match_host,
                },
                Host::Name(name),
            ) => {
                (name.ends_with(suffix.as_str()) || (*match_host && name == &suffix[1..]))
                    && port_ok(p)
            }
            _ => false,
        }
    }
}

fn in_cidr(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// Parses one lower-cased, trimmed, non-empty NO_PROXY entry.
fn parse_no_proxy(p: &str) -> Option<NoProxyRule> {
    if let Some((addr, bits)) = p.split_once('/') {
        let net: IpAddr = addr.parse().ok()?;
        let prefix: u8 = bits.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        // Go's ParseCIDR rejects longer prefixes; the entry is then
        // treated as a host name that can never match.
        return (prefix <= max).then_some(NoProxyRule::Cidr { net, prefix });
    }
    let (host, port) = split_host_port(p);
    if host.is_empty() {
        return None;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(NoProxyRule::Ip { ip, port });
    }
    let host = host
        .strip_prefix('*')
        .filter(|h| h.starts_with('.'))
        .unwrap_or(host);
    let (suffix, match_host) = if host.starts_with('.') {
        (host.to_string(), false)
    } else {
        (format!(".{host}"), true)
    };
    Some(NoProxyRule::Domain {
        suffix,
        port,
        match_host,
    })
}

/// `host:port`, `[v6]:port`, or a bare host; a port that is not a number
/// leaves the text whole, as Go's `SplitHostPort` failure does.
fn split_host_port(p: &str) -> (&str, Option<u16>) {
    if let Some(rest) = p.strip_prefix('[') {
        if let Some((h, after)) = rest.split_once(']')
            && let Some(port) = after.strip_prefix(':').and_then(|s| s.parse().ok())
        {
            return (h, Some(port));
        }
        return (p, None);
    }
    match p.rsplit_once(':') {
        // More than one colon without brackets is a bare IPv6 address.
        Some((h, port)) if !h.contains(':') => match port.parse() {
            Ok(port) => (h, Some(port)),
            Err(_) => (p, None),
        },
        _ => (p, None),
    }
}

/// Go's `parseProxy`: a value without a scheme or host is read as
/// `http://value`; `None` when even that is not a URL.
fn parse_proxy(value: &str) -> Option<Url> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Url::parse(value)
        .ok()
        .filter(|u| u.has_host() && !u.cannot_be_a_base())
        .or_else(|| Url::parse(&format!("http://{value}")).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn proxied(rules: &ProxyRules, target: &str) -> bool {
        rules.proxy_for(&url(target)).is_some()
    }

    #[test]
    fn scheme_selects_the_proxy() {
        let r = ProxyRules::new(
            Some("http-proxy:3128"),
            Some("https://sp.example:443"),
            None,
        );
        assert_eq!(
            r.proxy_for(&url("http://a.example/x")).unwrap().as_str(),
            "http://http-proxy:3128/"
        );
        assert_eq!(
            r.proxy_for(&url("https://a.example/x")).unwrap().as_str(),
            "https://sp.example/"
        );
        let only_https = ProxyRules::new(None, Some("sp.example:1"), None);
        assert!(!proxied(&only_https, "http://a.example/"));
        assert!(proxied(&only_https, "https://a.example/"));
        assert!(ProxyRules::new(None, None, None).is_empty());
    }

    #[test]
    fn loopback_is_never_proxied() {
        let r = ProxyRules::new(Some("p:1"), Some("p:1"), None);
        for t in [
            "http://localhost:8080/",
            "https://LOCALHOST/",
            "http://127.0.0.1:9/",
            "http://127.1.2.3/",
            "https://[::1]:443/",
        ] {
            assert!(!proxied(&r, t), "{t}");
        }
        assert!(proxied(&r, "http://10.0.0.1/"));
        assert!(proxied(&r, "http://localhost.example/"));
    }

    #[test]
    fn no_proxy_forms() {
        let r = ProxyRules::new(
            Some("p:1"),
            Some("p:1"),
            Some(
                " Corp.Example ,.only-sub.example,*.star.example,10.0.0.0/8,192.168.1.5,192.168.1.6:8080,host.example:444,[2001:db8::1]:443,2001:db8::2",
            ),
        );
        // Host name: itself and subdomains.
        assert!(!proxied(&r, "https://corp.example/"));
        assert!(!proxied(&r, "https://proxy.corp.example/"));
        assert!(proxied(&r, "https://notcorp.example/"));
        // Leading dot or `*.`: subdomains only.
        assert!(proxied(&r, "https://only-sub.example/"));
        assert!(!proxied(&r, "https://a.only-sub.example/"));
        assert!(proxied(&r, "https://star.example/"));
        assert!(!proxied(&r, "https://a.star.example/"));
        // CIDR and IPs, with ports.
        assert!(!proxied(&r, "http://10.1.2.3/"));
        assert!(proxied(&r, "http://11.1.2.3/"));
        assert!(!proxied(&r, "http://192.168.1.5:9999/"));
        assert!(!proxied(&r, "http://192.168.1.6:8080/"));
        assert!(proxied(&r, "http://192.168.1.6/"));
        assert!(!proxied(&r, "https://host.example:444/"));
        assert!(proxied(&r, "https://host.example/"));
        assert!(!proxied(&r, "https://[2001:db8::1]/"));
        assert!(!proxied(&r, "https://[2001:db8::2]:8443/"));
        assert!(proxied(&r, "https://[2001:db8::3]/"));
    }

    #[test]
    fn star_disables_proxying() {
        let r = ProxyRules::new(Some("p:1"), Some("p:1"), Some("a.example, *"));
        assert!(!proxied(&r, "https://anything.example/"));
    }

    #[test]
    fn cidr_edges() {
        assert!(in_cidr(
            "0.0.0.0".parse().unwrap(),
            0,
            "8.8.8.8".parse().unwrap()
        ));
        assert!(in_cidr(
            "10.0.0.1".parse().unwrap(),
            32,
            "10.0.0.1".parse().unwrap()
        ));
        assert!(!in_cidr(
            "10.0.0.1".parse().unwrap(),
            32,
            "10.0.0.2".parse().unwrap()
        ));
        assert_eq!(parse_no_proxy("10.0.0.0/33"), None);
    }
}
