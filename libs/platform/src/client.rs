//! Who is asking: the client's address as rate limits and the audit should see it (客户端地址).
//!
//! Behind a reverse proxy or a Kubernetes Ingress every request arrives from the proxy's own
//! address, so a per-address limit would become one limit for the whole public. The proxies a
//! deployment trusts are configured (`TRUSTED_PROXIES`, addresses or CIDR blocks; product
//! default: none). When the socket's peer is one of them, the client is the right-most address
//! of `X-Forwarded-For` that is not itself a trusted proxy (the left part of that header is
//! whatever the client chose to send, so it is never believed). Without trusted proxies, or
//! from an untrusted peer, the header is ignored and the peer is the client.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parse `TRUSTED_PROXIES`: comma-separated addresses (`10.0.0.7`) or blocks
    /// (`10.0.0.0/8`, `fd00::/8`); blank is none. The error names the entry.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = match entry.parse::<IpNet>() {
                Ok(n) => n,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(a) => IpNet::from(a),
                    Err(_) => {
                        return Err(format!(
                            "`{entry}` is neither an IP address nor a CIDR block"
                        ))
                    }
                },
            };
            out.push(net);
        }
        Ok(TrustedProxies(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, a: IpAddr) -> bool {
        let a = canonical(a);
        self.0.iter().any(|n| n.contains(&a))
    }

    /// The client's address from the socket's `peer` and the `X-Forwarded-For` values.
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(a) if self.trusts(a) => continue,
                Ok(a) => return Some(canonical(a)),
                // A hop that is not an address (garbage, `unknown`, a port): stop believing
                // the header here; the last trusted hop is the best we know.
                Err(_) => break,
            }
        }
        Some(peer)
    }

    /// The client's address of `req` as text (`unknown` without a socket peer).
    pub fn client_of(&self, req: &HttpRequest) -> String {
        let values: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        self.client(req.peer_addr().map(|a| a.ip()), &values)
            .map(|a| a.to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) compare as the IPv4 address.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let t = TrustedProxies::default();
        assert_eq!(
            t.client(Some(ip("10.0.0.5")), &["203.0.113.9"]),
            Some(ip("10.0.0.5"))
        );
    }

    #[test]
    fn from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client sent a forged first hop; the ingress appended the real one.
        assert_eq!(
            t.client(
                Some(ip("10.1.2.3")),
                &["1.1.1.1, 203.0.113.9", "192.168.1.1"]
            ),
            Some(ip("203.0.113.9"))
        );
        // Only trusted hops: the last proxy.
        assert_eq!(
            t.client(Some(ip("10.1.2.3")), &["10.9.9.9"]),
            Some(ip("10.1.2.3"))
        );
        // No header at all.
        assert_eq!(t.client(Some(ip("10.1.2.3")), &[]), Some(ip("10.1.2.3")));
        // Garbage stops the walk.
        assert_eq!(
            t.client(Some(ip("10.1.2.3")), &["203.0.113.9, nonsense"]),
            Some(ip("10.1.2.3"))
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            t.client(Some(ip("198.51.100.7")), &["203.0.113.9"]),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn mapped_ipv6_peers_match_ipv4_blocks() {
        let t = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(
            t.client(Some(ip("::ffff:127.0.0.1")), &["203.0.113.9"]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let e = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(e.contains("proxy.local"), "{e}");
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
    }
}
