//! store (being built).

/// The exit code a store error maps to, if `error` is one.
#[must_use]
pub fn exit_code_for(_error: &(dyn std::error::Error + 'static)) -> Option<u8> {
    None
}
