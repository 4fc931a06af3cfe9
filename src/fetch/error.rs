//! The typed errors of the fetch stage. Every variant names the URL it is about, and [`FetchError::kind`]
//! gives a short stable name for metrics and health records.

/// Why a site refused us with something other than a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// An anti-bot JavaScript challenge: 412 (瑞数 / Ruishu) or 521 (加速乐 / Jiasule) with a script page
    /// that sets a cookie. unionwire does not run the script; the page is reported, not stored.
    AntiBot,
}

impl std::fmt::Display for BlockKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AntiBot => f.write_str("anti-bot challenge"),
        }
    }
}

/// A fetch that did not produce a usable response.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL could not be parsed or has no host.
    #[error("invalid url {url}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL (or a redirect target) is not http or https.
    #[error("refusing {url}: scheme {scheme} is not http or https")]
    BadScheme {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The host resolved to (or is) a private, loopback, link-local or otherwise non-public address.
    #[error("refusing {url}: address {addr} is not public")]
    PrivateAddress {
        /// The URL.
        url: String,
        /// The refused address.
        addr: String,
    },
    /// The host name could not be resolved.
    #[error("DNS lookup failed for {} ({message}): {url}", host_of(url))]
    Dns {
        /// The URL.
        url: String,
        /// The resolver's message.
        message: String,
    },
    /// The TCP or TLS connection failed, or the request could not be sent.
    #[error("connecting for {url}: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// A timeout fired.
    #[error("fetching {url}: {phase} timeout")]
    Timeout {
        /// The URL.
        url: String,
        /// `connect`, `headers`, `read` (silence while reading the body) or `total`.
        phase: &'static str,
    },
    /// The body is larger than the configured cap (declared or counted after decompression).
    #[error("fetching {url}: too large: the body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// More redirects than allowed.
    #[error("fetching {url}: more than {max} redirects")]
    TooManyRedirects {
        /// The URL first asked for.
        url: String,
        /// The maximum.
        max: usize,
    },
    /// The server answered with an error status.
    #[error("fetching {url}: status {status}")]
    Status {
        /// The URL that answered.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The server answered with an anti-bot challenge instead of the page.
    #[error("fetching {url}: blocked by {kind} (status {status})")]
    Blocked {
        /// The URL that answered.
        url: String,
        /// The status code (412, 521).
        status: u16,
        /// What kind of block.
        kind: BlockKind,
    },
    /// robots.txt does not allow the URL. When robots.txt itself could not be fetched (DNS failure,
    /// connection refused, timeout, 5xx, 429), RFC 9309 §2.3.1.4 treats the whole host as disallowed, and
    /// `unreachable` says why it could not be fetched.
    #[error("{}", robots_message(url, unreachable.as_deref()))]
    RobotsDisallowed {
        /// The URL.
        url: String,
        /// Why robots.txt could not be fetched, when that is the reason (e.g. `connecting for
        /// http://example.invalid/robots.txt: …`); `None` when robots.txt was read and forbids the URL.
        unreachable: Option<String>,
    },
    /// The host asked us (Retry-After) to stay away longer than we wait inside one fetch.
    #[error("host of {url} is on hold until unix time {until_secs}")]
    HostOnHold {
        /// The URL.
        url: String,
        /// When the hold ends, in seconds since the Unix epoch.
        until_secs: u64,
    },
    /// The response is not the kind of document that was asked for.
    #[error("fetching {url}: content type {content_type} is not what was asked for")]
    NotHtml {
        /// The URL.
        url: String,
        /// The content type received.
        content_type: String,
    },
    /// The body could not be read to the end (connection lost, broken chunking or compression).
    #[error("reading the body of {url}: {message}")]
    Body {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
}

/// The message of [`FetchError::RobotsDisallowed`].
/// The host of a URL as written, for messages (the URL itself when it has none).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if host.is_empty() {
        url
    } else {
        host
    }
}

fn robots_message(url: &str, unreachable: Option<&str>) -> String {
    match unreachable {
        None => format!("robots.txt disallows {url}"),
        Some(cause) => format!(
            "robots.txt unreachable ({cause}); RFC 9309 treats the host as disallowed: {url}"
        ),
    }
}

impl FetchError {
    /// A short stable name for the error: `invalid_url`, `bad_scheme`, `private_address`, `dns`, `connect`,
    /// `timeout`, `too_large`, `too_many_redirects`, `status`, `blocked`, `robots_disallowed`,
    /// `host_on_hold`, `not_html`, `body`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } => "invalid_url",
            Self::BadScheme { .. } => "bad_scheme",
            Self::PrivateAddress { .. } => "private_address",
            Self::Dns { .. } => "dns",
            Self::Connect { .. } => "connect",
            Self::Timeout { .. } => "timeout",
            Self::TooLarge { .. } => "too_large",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::Status { .. } => "status",
            Self::Blocked { .. } => "blocked",
            Self::RobotsDisallowed { .. } => "robots_disallowed",
            Self::HostOnHold { .. } => "host_on_hold",
            Self::NotHtml { .. } => "not_html",
            Self::Body { .. } => "body",
        }
    }

    /// Whether trying again later may help: timeouts and the statuses 408, 429 and 5xx.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Status { status, .. } => {
                *status == 408 || *status == 429 || (500..600).contains(status)
            }
            _ => false,
        }
    }

    /// The URL the error is about.
    #[must_use]
    pub fn url(&self) -> &str {
        match self {
            Self::InvalidUrl { url, .. }
            | Self::BadScheme { url, .. }
            | Self::PrivateAddress { url, .. }
            | Self::Dns { url, .. }
            | Self::Connect { url, .. }
            | Self::Timeout { url, .. }
            | Self::TooLarge { url, .. }
            | Self::TooManyRedirects { url, .. }
            | Self::Status { url, .. }
            | Self::Blocked { url, .. }
            | Self::RobotsDisallowed { url, .. }
            | Self::HostOnHold { url, .. }
            | Self::NotHtml { url, .. }
            | Self::Body { url, .. } => url,
        }
    }

    /// The HTTP status, for [`FetchError::Status`] and [`FetchError::Blocked`].
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::Blocked { status, .. } => Some(*status),
            _ => None,
        }
    }
}
