//! PEM, as OpenSSL writes and reads it: `-----BEGIN LABEL-----`, optional RFC 1421 headers
//! (`Proc-Type`, `DEK-Info`), base64 in lines, `-----END LABEL-----`.
//!
//! Reading takes what OpenSSL takes: text before, between and after blocks (what `openssl
//! x509 -text` and `openssl pkcs7 -print_certs` write, `subject=`/`issuer=` lines, and the
//! certificate files providers ship), several blocks in one file, CRLF line ends, other line
//! widths and indentation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Whether `input` is PEM text: it holds a `-----BEGIN ` line anywhere (DER starts with a
/// SEQUENCE tag, 0x30, and is not text).
pub fn is_pem(input: &[u8]) -> bool {
    input.first() != Some(&0x30) && input.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Why PEM text does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// Not UTF-8 text.
    #[error("PEM is not text")]
    NotText,
    /// A `-----BEGIN ` without its closing dashes.
    #[error("a BEGIN line without its closing dashes")]
    UnclosedBegin,
    /// A block without its END line.
    #[error("no `-----END {0}-----` line")]
    NoEnd(String),
    /// A block whose body is not base64.
    #[error("bad base64 in the {label} block: {detail}")]
    Base64 {
        /// The block's label.
        label: String,
        /// What the base64 decoder said.
        detail: String,
    },
    /// No block with one of the labels looked for.
    #[error("no PEM block labelled {0}")]
    NoBlock(String),
}

/// One block: its label, its headers (`Proc-Type: 4,ENCRYPTED`), its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label (`CERTIFICATE`, `PRIVATE KEY`).
    pub label: String,
    /// RFC 1421 headers, as `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub der: Vec<u8>,
}

impl Block {
    /// Whether the block is encrypted the traditional OpenSSL way (`Proc-Type: 4,ENCRYPTED`).
    pub fn is_encrypted(&self) -> bool {
        self.headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("Proc-Type") && v.contains("ENCRYPTED"))
    }
}

/// Every block of `input`, in order. Text outside blocks is ignored, as OpenSSL ignores it; a
/// block without its END line, or with bad base64, is an error naming its label.
pub fn blocks(input: &[u8]) -> Result<Vec<Block>, PemError> {
    let text = std::str::from_utf8(input).map_err(|_| PemError::NotText)?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = rest.get(start.saturating_add(11)..).unwrap_or_default();
        let label_end = after.find("-----").ok_or(PemError::UnclosedBegin)?;
        let label = after.get(..label_end).unwrap_or_default().to_owned();
        let body_start = label_end.saturating_add(5);
        let body = after.get(body_start..).unwrap_or_default();
        let end_line = format!("-----END {label}-----");
        let stop = body
            .find(&end_line)
            .ok_or_else(|| PemError::NoEnd(label.clone()))?;
        let inner = body.get(..stop).unwrap_or_default();
        let mut headers = Vec::new();
        let mut b64 = Vec::with_capacity(inner.len());
        for line in inner.lines() {
            let line = line.trim();
            match line.split_once(':') {
                // Base64 has no ':'; a header line does (RFC 1421 4.6).
                Some((name, value)) => headers.push((name.trim().into(), value.trim().into())),
                None => b64.extend(line.bytes().filter(|b| !b.is_ascii_whitespace())),
            }
        }
        let der = STANDARD.decode(&b64).map_err(|e| PemError::Base64 {
            label: label.clone(),
            detail: e.to_string(),
        })?;
        out.push(Block {
            label,
            headers,
            der,
        });
        rest = body
            .get(stop.saturating_add(end_line.len())..)
            .unwrap_or_default();
    }
    Ok(out)
}

/// Decodes the first block whose label is one of `labels`; returns the label and the DER.
pub fn decode<'l>(input: &[u8], labels: &[&'l str]) -> Result<(&'l str, Vec<u8>), PemError> {
    for block in blocks(input)? {
        if let Some(label) = labels.iter().find(|l| **l == block.label) {
            return Ok((label, block.der));
        }
    }
    Err(PemError::NoBlock(labels.join(" or ")))
}

/// Encodes DER as PEM with 64-character lines and a final newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out =
        String::with_capacity(b64.len().saturating_add(b64.len() / 64).saturating_add(64));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        // base64 output is ASCII.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests;
