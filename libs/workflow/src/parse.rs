//! The error returned when a stored name (state, role, procedure, policy) cannot be read back.

/// A stored name could not be parsed back into its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{input}`")]
pub struct ParseError {
    /// What was being parsed, e.g. `"branch state"`.
    pub kind: &'static str,
    /// The rejected input.
    pub input: String,
}

impl ParseError {
    pub(crate) fn new(kind: &'static str, input: &str) -> Self {
        Self {
            kind,
            input: input.to_owned(),
        }
    }
}
