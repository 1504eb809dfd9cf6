//! Which address a request comes from: the socket peer, or, when the peer is a
//! trusted proxy, the right-most `X-Forwarded-For` hop that is not one.

use std::net::IpAddr;

/// Addresses and CIDR ranges (`10.0.0.0/8`, `::1`) of the proxies in front.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                parse_range(entry)
                    .ok_or_else(|| format!("`{entry}` is not an IP address or CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, bits)| in_range(ip, *net, *bits))
    }

    /// The client's address. Hops a proxy appended are trusted only as far as a
    /// chain of trusted proxies reaches; the rest could be forged by the client.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = forwarded_for.unwrap_or_default().rsplit(',');
        for hop in hops {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

fn parse_range(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match entry.trim().split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, bits.parse::<u8>().ok()?),
        None => {
            let addr = entry.trim().parse::<IpAddr>().ok()?;
            (addr, if addr.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((addr.to_canonical(), bits))
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The rate-limit subject of an address: IPv6 clients are counted per /64, the
/// block one subscriber usually holds.
pub fn subject(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".to_owned()]).unwrap();
        assert_eq!(
            proxies.client_ip(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies =
            TrustedProxies::parse(&["10.0.0.0/8".to_owned(), "192.0.2.1".to_owned()]).unwrap();
        // The client forged "6.6.6.6"; the edge proxy appended the real address.
        let chain = "6.6.6.6, 198.51.100.7, 192.0.2.1";
        assert_eq!(
            proxies.client_ip(ip("10.1.2.3"), Some(chain)),
            ip("198.51.100.7")
        );
        assert_eq!(proxies.client_ip(ip("10.1.2.3"), None), ip("10.1.2.3"));
        assert_eq!(
            proxies.client_ip(ip("10.1.2.3"), Some("junk")),
            ip("10.1.2.3")
        );
        assert_eq!(
            proxies.client_ip(ip("::ffff:10.1.2.3"), Some("198.51.100.8")),
            ip("198.51.100.8")
        );
    }

    #[test]
    fn ranges_are_checked() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".to_owned()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".to_owned()]).is_err());
        let proxies =
            TrustedProxies::parse(&["2001:db8::/32".to_owned(), "0.0.0.0/0".to_owned()]).unwrap();
        assert!(proxies.trusts(ip("2001:db8:1::5")));
        assert!(!proxies.trusts(ip("2001:db9::5")));
        assert!(proxies.trusts(ip("8.8.8.8")));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(subject(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(subject(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(subject(ip("::ffff:192.0.2.4")), "192.0.2.4");
    }
}
