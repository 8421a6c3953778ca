//! One error model for every decoder and encoder: where (a path in wire names) and what (a
//! kind a caller can match), in the manner of `der::Error { kind, position }`.

use std::fmt;

/// What kind of thing is wrong with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Larger than the decoder accepts.
    TooLarge,
    /// Not text of the expected encoding (UTF-8).
    Encoding,
    /// Not the expected syntax (JSON, XML, a form, base64).
    Syntax,
    /// Nested deeper than the decoder accepts.
    TooDeep,
    /// A field the type does not have: refused, so that a typo cannot drop a value.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A field given twice.
    Repeated,
    /// A value of the wrong kind (a number where a string is expected).
    Type,
    /// A value of the right kind that is not acceptable (a third decimal place).
    Value,
    /// Well-formed, but not the structure expected (another root element, a DOCTYPE).
    Structure,
}

/// An input that does not decode, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The field's path in wire names (`cart.items[0].total`,
    /// `returnPaymentRequest/receipt@taxSystem`); empty for the whole input.
    pub path: String,
    /// What kind of problem.
    pub kind: DecodeErrorKind,
    /// What exactly, for a human.
    pub detail: String,
}

impl DecodeError {
    /// An error of `kind` at `path`.
    pub fn new(kind: DecodeErrorKind, path: impl Into<String>, detail: impl fmt::Display) -> Self {
        DecodeError {
            path: path.into(),
            kind,
            detail: detail.to_string(),
        }
    }

    /// The same error, its path placed inside the member `parent` (`amount` within
    /// `paymentAmountInfo` reads `paymentAmountInfo.amount`).
    pub fn within(mut self, parent: &str) -> Self {
        self.path = if self.path.is_empty() || self.path == "." {
            parent.to_owned()
        } else if self.path.starts_with('[') {
            format!("{parent}{}", self.path)
        } else {
            format!("{parent}.{}", self.path)
        };
        self
    }

    /// An input larger than `max` bytes.
    pub fn too_large(len: usize, max: usize) -> Self {
        DecodeError::new(
            DecodeErrorKind::TooLarge,
            "",
            format_args!("{len} bytes, at most {max} accepted"),
        )
    }

    /// A serde_json error at `path`, its kind told from what serde says.
    pub fn from_json(path: impl Into<String>, e: &serde_json::Error) -> Self {
        let detail = e.to_string();
        let kind = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                if detail.starts_with("recursion limit") {
                    DecodeErrorKind::TooDeep
                } else {
                    DecodeErrorKind::Syntax
                }
            }
            serde_json::error::Category::Io => DecodeErrorKind::Encoding,
            serde_json::error::Category::Data => kind_of_data(&detail),
        };
        // serde_json appends " at line L column C": the path says where.
        let detail = match detail.rfind(" at line ") {
            Some(i) if e.line() > 0 => detail.get(..i).unwrap_or(&detail).to_owned(),
            _ => detail,
        };
        DecodeError {
            path: path.into(),
            kind,
            detail,
        }
    }
}

/// The kind of a serde data error, from serde's own wording.
fn kind_of_data(detail: &str) -> DecodeErrorKind {
    if detail.starts_with("unknown field") || detail.starts_with("unknown variant") {
        DecodeErrorKind::UnknownField
    } else if detail.starts_with("missing field") {
        DecodeErrorKind::MissingField
    } else if detail.starts_with("duplicate field") {
        DecodeErrorKind::Repeated
    } else if detail.starts_with("invalid type") || detail.starts_with("expected a") {
        DecodeErrorKind::Type
    } else {
        DecodeErrorKind::Value
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() || self.path == "." {
            f.write_str(&self.detail)
        } else {
            write!(f, "{}: {}", self.path, self.detail)
        }
    }
}

impl std::error::Error for DecodeError {}

/// A value that cannot be written in the provider's wire form (a code the provider has no
/// spelling for, a character XML cannot carry, a third decimal place); the provider's rules
/// report each first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    /// The field's path in wire names.
    pub path: String,
    /// What is wrong.
    pub detail: String,
}

impl EncodeError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, detail: impl fmt::Display) -> Self {
        EncodeError {
            path: path.into(),
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.detail)
        } else {
            write!(f, "{}: {}", self.path, self.detail)
        }
    }
}

impl std::error::Error for EncodeError {}

#[cfg(test)]
mod tests;
