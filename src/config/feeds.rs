//! `[feeds]`: what the published feeds look like.

use serde::Deserialize;

/// `[feeds]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// Title of the all-stories feed.
    #[serde(default = "default_feed_title")]
    pub title: String,
    /// Description of the all-stories feed.
    #[serde(default = "default_feed_description")]
    pub description: String,
    /// Items per feed when `limit` is not given.
    #[serde(default = "default_limit")]
    pub default_limit: usize,
    /// Largest `limit` accepted.
    #[serde(default = "default_max_limit")]
    pub max_limit: usize,
}

fn default_feed_title() -> String {
    "unionwire · 工会新闻".to_owned()
}
fn default_feed_description() -> String {
    "中国工会新闻，去重、清洗后的全文聚合 (Chinese trade-union news, deduplicated and cleaned)"
        .to_owned()
}
fn default_limit() -> usize {
    50
}
fn default_max_limit() -> usize {
    500
}

impl Default for FeedsConfig {
    fn default() -> Self {
        Self {
            title: default_feed_title(),
            description: default_feed_description(),
            default_limit: default_limit(),
            max_limit: default_max_limit(),
        }
    }
}
