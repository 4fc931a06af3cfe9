//! Value parsers shared by the sections: durations, and CSS selector and regex errors in words.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub(super) fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map_err(serde::de::Error::custom)
}

/// Parses `"1s"`, `"30m"`, `"1h 30m"`, `"250ms"`, `"0"`.
///
/// # Errors
/// A message saying what a duration looks like.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("invalid duration {s:?} ({e}); write e.g. \"1s\", \"30m\", \"6h\""))
}

pub(super) fn default_true() -> bool {
    true
}

/// What is wrong with a CSS selector, in words (scraper's own text for most selector mistakes is
/// "Unexpected error occurred. Please report this to the developer" and an enum name).
#[must_use]
pub fn selector_error_words(e: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as K;
    use selectors::parser::SelectorParseErrorKind as P;
    let words = match e {
        K::UnexpectedToken => "a character or token is out of place",
        K::EndOfLine => "it ends too early (an unclosed bracket, quote or parenthesis?)",
        K::InvalidAtRule | K::InvalidAtRuleBody => "@-rules are not selectors",
        K::QualRuleInvalid => "it is not a valid selector",
        K::TooManyNestedBlocks => "it nests too deeply",
        K::ExpectedColonOnPseudoElement => "a pseudo-element needs `::`",
        K::ExpectedIdentityOnPseudoElement => "a pseudo-element needs a name after `::`",
        K::UnexpectedSelectorParseError(p) => match p {
            P::NoQualifiedNameInAttributeSelector | P::InvalidQualNameInAttr => {
                "an attribute selector needs an attribute name, as in `a[href]`"
            }
            P::EmptySelector => "it is empty",
            P::DanglingCombinator => "a combinator (`>`, `+`, `~`) has nothing after it",
            P::UnexpectedTokenInAttributeSelector | P::BadValueInAttr | P::ExpectedBarInAttr => {
                "an attribute selector is malformed; write `[name]`, `[name=value]` or `[name^=\"value\"]`"
            }
            P::NoIdentForPseudo | P::UnsupportedPseudoClassOrElement => {
                "it uses a pseudo-class or pseudo-element that is not supported"
            }
            P::ClassNeedsIdent => "a `.` must be followed by a class name",
            P::ExpectedNamespace | P::ExplicitNamespaceUnexpectedToken => {
                "namespaces are not supported"
            }
            _ => "it is not a selector this crawler can use",
        },
    };
    words.to_owned()
}

/// A regex error on one line: the parser's own message, without its multi-line caret drawing.
pub(super) fn regex_error_words(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || text.lines().last().unwrap_or("").trim().to_owned(),
            str::to_owned,
        )
}
