//! Which network addresses veille may contact for a URL it found itself.
//!
//! A feed's items, a listing page's links, a redirect and a transcript offer
//! are written by whoever controls the source. Followed blindly, a link to
//! `http://127.0.0.1:8080/api/feeds` or `http://169.254.169.254/` would make
//! veille fetch its own API or the cloud's metadata service and archive the
//! answer, searchable and sent in digests. So a found URL may only reach
//! public addresses, unless the operator allows a range (`[fetch]
//! allow_private`). The check runs on the addresses a name resolves to, at
//! connection time ([`GuardedResolver`]), so a name that resolves to a public
//! address when checked and a private one when connected (DNS rebinding) is
//! caught too; an address written in the URL itself is checked before
//! connecting ([`AddressPolicy::check_url`]).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AddressRefused {
    /// The host as written in the URL.
    pub host: String,
    /// The refused addresses, and what each is.
    pub addresses: Vec<(IpAddr, &'static str)>,
}

impl fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addresses: Vec<String> = self
            .addresses
            .iter()
            .map(|(address, kind)| format!("{address}, {kind}"))
            .collect();
        write!(
            f,
            "{} is an internal address ({}); veille follows links from sources to public addresses only (see [fetch] allow_private)",
            self.host,
            addresses.join("; ")
        )
    }
}

/// The ranges a found URL may not reach, minus the operator's exceptions.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy that lets found URLs reach the `allowed` ranges besides public
    /// addresses.
    pub fn new(allowed: &[IpNet]) -> AddressPolicy {
        AddressPolicy {
            allowed: allowed.to_vec(),
        }
    }

    /// What `address` is, if it is not public and not allowed.
    pub fn refusal(&self, address: IpAddr) -> Option<&'static str> {
        let kind = internal_kind(address)?;
        let allowed = self.allowed.iter().any(|net| {
            net.contains(&address) || canonical(address).is_some_and(|v4| net.contains(&v4))
        });
        (!allowed).then_some(kind)
    }

    /// Refuses a URL whose host is written as an internal address. Names
    /// are checked when they are resolved.
    pub fn check_url(&self, url: &Url) -> Result<(), AddressRefused> {
        // The URL parser already reads `2130706433`, `0x7f.1` and `0177.0.0.1`
        // as 127.0.0.1, and `[::ffff:127.0.0.1]` as an IPv6 address.
        let address = match url.host() {
            Some(Host::Ipv4(address)) => IpAddr::V4(address),
            Some(Host::Ipv6(address)) => IpAddr::V6(address),
            _ => return Ok(()),
        };
        match self.refusal(address) {
            Some(kind) => Err(AddressRefused {
                host: url.host_str().unwrap_or_default().to_owned(),
                addresses: vec![(address, kind)],
            }),
            None => Ok(()),
        }
    }
}

/// The IPv4 address an IPv6 address stands for, in the forms that reach an
/// IPv4 host: mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::/96`), 6to4
/// (`2002:AABB:CCDD::/48`) and the deprecated compatible form (`::a.b.c.d`).
fn canonical(address: IpAddr) -> Option<IpAddr> {
    let IpAddr::V6(v6) = address else {
        return None;
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(IpAddr::V4(v4));
    }
    let segments = v6.segments();
    let octets = v6.octets();
    let tail = || Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(IpAddr::V4(tail()));
    }
    if segments[0] == 0x2002 {
        return Some(IpAddr::V4(Ipv4Addr::new(
            octets[2], octets[3], octets[4], octets[5],
        )));
    }
    if segments[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
        return Some(IpAddr::V4(tail()));
    }
    None
}

/// What an address is when it is not a public unicast address.
fn internal_kind(address: IpAddr) -> Option<&'static str> {
    if let Some(v4) = canonical(address) {
        return internal_kind(v4);
    }
    match address {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = address.octets();
    Some(if address.is_loopback() {
        "loopback"
    } else if address.is_unspecified() || a == 0 {
        "unspecified"
    } else if address == Ipv4Addr::new(169, 254, 169, 254) {
        "cloud metadata service"
    } else if address.is_link_local() {
        "link-local"
    } else if address.is_private() {
        "private (RFC 1918)"
    } else if a == 100 && (64..128).contains(&b) {
        "carrier-grade NAT"
    } else if address.is_multicast() {
        "multicast"
    } else if address.is_broadcast() || a >= 240 {
        "reserved"
    } else if a == 192 && b == 0 && c == 0 {
        "IETF protocol assignment"
    } else if a == 198 && (b == 18 || b == 19) {
        "benchmarking"
    } else {
        return None;
    })
}

fn internal_v6(address: Ipv6Addr) -> Option<&'static str> {
    let first = address.segments()[0];
    Some(if address.is_loopback() {
        "loopback"
    } else if address.is_unspecified() {
        "unspecified"
    } else if first & 0xfe00 == 0xfc00 {
        "private (RFC 4193)"
    } else if first & 0xffc0 == 0xfe80 {
        "link-local"
    } else if first & 0xffc0 == 0xfec0 {
        "site-local"
    } else if address.is_multicast() {
        "multicast"
    } else {
        return None;
    })
}

/// A resolver that drops the internal addresses a name resolves to, and
/// fails when none is left: the client using it cannot connect to them.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// The ranges to drop, shared with the fetcher's own URL checks.
    pub policy: Arc<AddressPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = resolved
                .into_iter()
                .partition(|address| policy.refusal(address.ip()).is_none());
            if public.is_empty() && !refused.is_empty() {
                let addresses = refused
                    .iter()
                    .filter_map(|address| Some((address.ip(), policy.refusal(address.ip())?)))
                    .collect();
                return Err(Box::new(AddressRefused { host, addresses }) as _);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(policy: &AddressPolicy, url: &str) -> bool {
        policy.check_url(&Url::parse(url).unwrap()).is_err()
    }

    #[test]
    fn internal_addresses_in_every_spelling_are_refused() {
        let policy = AddressPolicy::default();
        for url in [
            "http://127.0.0.1/",
            "http://127.1.2.3:8080/api/feeds",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://0/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:c0a8:0101::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.1.1/",
            "http://10.0.0.1/",
            "http://172.16.5.4/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
        ] {
            assert!(refused(&policy, url), "{url} was let through");
        }
        for url in [
            "http://93.184.216.34/",
            "http://[2606:4700::1111]/",
            "http://100.128.0.1/",
            "http://172.32.0.1/",
            "https://example.org/",
        ] {
            assert!(!refused(&policy, url), "{url} was refused");
        }
    }

    #[test]
    fn allowed_ranges_are_let_through_and_only_them() {
        let policy = AddressPolicy::new(&["10.1.0.0/16".parse().unwrap()]);
        assert!(!refused(&policy, "http://10.1.2.3/"));
        assert!(!refused(&policy, "http://[::ffff:10.1.2.3]/"));
        assert!(refused(&policy, "http://10.2.0.1/"));
        assert!(refused(&policy, "http://127.0.0.1/"));
    }

    #[test]
    fn a_refusal_says_what_the_address_is() {
        let error = AddressPolicy::default()
            .check_url(&Url::parse("http://169.254.169.254/").unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("cloud metadata"), "{error}");
        assert!(error.contains("allow_private"), "{error}");
    }
}
