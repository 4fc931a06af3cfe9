//! Which addresses unionwire may connect to, enforced where the address is known for sure: in the DNS
//! resolver the HTTP client uses (after resolution, before connecting, so DNS rebinding cannot slip a
//! private address past an earlier check) and, for IP literals that skip resolution, on every URL before it
//! is requested (redirect hops included).
//!
//! Non-public addresses (loopback, RFC 1918, link-local and cloud metadata, CGNAT, unique-local,
//! multicast, documentation and reserved ranges, and IPv4 mapped into IPv6) are refused unless the
//! configuration allows private addresses or the host was trusted by the operator.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The resolver refused every address of a host.
#[derive(Debug, thiserror::Error)]
#[error("host {host} resolves to non-public address {addr}")]
pub(crate) struct Refused {
    pub(crate) host: String,
    pub(crate) addr: IpAddr,
}

/// The address policy shared by the resolver and the fetcher.
#[derive(Debug, Default)]
pub(crate) struct NetPolicy {
    allow_private: bool,
    overrides: RwLock<HashMap<String, SocketAddr>>,
    trusted: RwLock<HashSet<String>>,
}

impl NetPolicy {
    pub(crate) fn new(allow_private: bool) -> Self {
        Self {
            allow_private,
            ..Self::default()
        }
    }

    pub(crate) fn add_override(&self, host: &str, addr: SocketAddr) {
        self.overrides
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(normalise_host(host), addr);
    }

    pub(crate) fn trust(&self, host: &str) {
        self.trusted
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(normalise_host(host));
    }

    fn override_for(&self, host: &str) -> Option<SocketAddr> {
        self.overrides
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(host)
            .copied()
    }

    /// Whether any address is acceptable for `host` (private allowed, or the host is trusted).
    pub(crate) fn anything_goes(&self, host: &str) -> bool {
        self.allow_private
            || self
                .trusted
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&normalise_host(host))
    }

    /// Checks an IP-literal host (which the resolver never sees). `host` is the URL's host text.
    pub(crate) fn check_literal(&self, host: &str, ip: IpAddr) -> Result<(), Refused> {
        if is_public(ip) || self.anything_goes(host) {
            Ok(())
        } else {
            Err(Refused {
                host: host.to_owned(),
                addr: ip,
            })
        }
    }
}

/// Host names are compared lower-case, without IPv6 brackets or a trailing dot.
fn normalise_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The DNS resolver given to reqwest: overrides first, then the system resolver, then the address policy.
pub(crate) struct Resolver {
    pub(crate) policy: Arc<NetPolicy>,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = normalise_host(name.as_str());
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = match policy.override_for(&host) {
                Some(addr) => vec![addr],
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            if policy.anything_goes(&host) {
                let it: Addrs = Box::new(addrs.into_iter());
                return Ok(it);
            }
            let (public, private): (Vec<SocketAddr>, Vec<SocketAddr>) =
                addrs.into_iter().partition(|a| is_public(a.ip()));
            if public.is_empty() {
                if let Some(first) = private.first() {
                    return Err(Box::new(Refused {
                        host,
                        addr: first.ip(),
                    })
                        as Box<dyn std::error::Error + Send + Sync>);
                }
                return Err(format!("no addresses for {host}").into());
            }
            let it: Addrs = Box::new(public.into_iter());
            Ok(it)
        })
    }
}

/// Whether an address is on the public internet.
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let private = a == 0                                   // "this network"
        || a == 10                                         // RFC 1918
        || a == 127                                        // loopback
        || (a == 100 && (64..128).contains(&b))            // CGNAT 100.64/10
        || (a == 169 && b == 254)                          // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))             // RFC 1918
        || (a == 192 && b == 0 && c == 0)                  // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                  // TEST-NET-1
        || (a == 192 && b == 88 && c == 99)                // 6to4 relay anycast
        || (a == 192 && b == 168)                          // RFC 1918
        || (a == 198 && (b == 18 || b == 19))              // benchmarking
        || (a == 198 && b == 51 && c == 100)               // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)                // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !private
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let seg = ip.segments();
    // NAT64 (64:ff9b::/96) embeds an IPv4 address.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6].iter().all(|&s| s == 0) {
        let [.., hi, lo] = seg;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return is_public_v4(v4);
    }
    let private = ip.is_unspecified()
        || ip.is_loopback()
        || seg[0..6].iter().all(|&s| s == 0)  // IPv4-compatible (deprecated)
        || (seg[0] & 0xfe00) == 0xfc00        // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80        // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0        // site-local (deprecated)
        || (seg[0] & 0xff00) == 0xff00        // multicast
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        || (seg[0] == 0x0100 && seg[1..4].iter().all(|&s| s == 0)); // discard-only
    !private
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        for private in [
            "127.0.0.1",
            "127.0.0.2",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "fd00::1",
            "fe80::1",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = private.parse().unwrap();
            assert!(!is_public(ip), "{private} should be private");
        }
        for public in [
            "1.1.1.1",
            "202.108.22.5",
            "2400:da00::6666",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert!(is_public(ip), "{public} should be public");
        }
    }

    #[test]
    fn trust_and_allow_private() {
        let p = NetPolicy::new(false);
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(p.check_literal("127.0.0.1", lo).is_err());
        p.trust("127.0.0.1");
        assert!(p.check_literal("127.0.0.1", lo).is_ok());
        assert!(NetPolicy::new(true).check_literal("x", lo).is_ok());
    }
}
