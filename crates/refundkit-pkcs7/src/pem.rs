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
        let scanned = scan_body(body, &label).ok_or_else(|| PemError::NoEnd(label.clone()))?;
        let der = decode_base64(scanned.base64).map_err(|detail| PemError::Base64 {
            label: label.clone(),
            detail,
        })?;
        out.push(Block {
            label,
            headers: scanned.headers,
            der,
        });
        rest = body.get(scanned.end..).unwrap_or_default();
    }
    Ok(out)
}

/// One block's body as read up to its END line.
struct Scanned {
    headers: Vec<(String, String)>,
    /// The base64 lines, trimmed and joined.
    base64: Vec<u8>,
    /// Where the END line's closing dashes end, in the body.
    end: usize,
}

/// Reads a block's body in one pass, a line at a time, up to `-----END {label}-----`; `None`
/// if there is no such line. Base64 has neither '-' nor ':' (RFC 4648 4): the search stops at
/// line ends and dashes only (memchr2, one scan of the body), and a dash is looked at only
/// to see whether the END line starts there. Header lines (RFC 1421 4.6: `Proc-Type`,
/// `DEK-Info`) are the leading lines holding a ':'; after the first base64 line, a ':' is
/// base64's business, and the decoder refuses it.
fn scan_body(body: &str, label: &str) -> Option<Scanned> {
    // Each block of a large bundle reads its own body: reserve for a large key, not the file.
    const RESERVE: usize = 16 * 1024;
    let bytes = body.as_bytes();
    let mut headers = Vec::new();
    let mut base64 = Vec::with_capacity(bytes.len().min(RESERVE));
    let mut in_headers = true;
    let mut take = |line: &str, headers: &mut Vec<(String, String)>| {
        let line = line.trim_ascii();
        if line.is_empty() {
            return;
        }
        if in_headers {
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().into(), value.trim().into()));
                return;
            }
            in_headers = false;
        }
        base64.extend_from_slice(line.as_bytes());
    };
    let mut line_start = 0usize;
    let mut cursor = 0usize;
    loop {
        let found = memchr::memchr2(b'\n', b'-', bytes.get(cursor..)?)?;
        let at = cursor.saturating_add(found);
        if bytes.get(at) == Some(&b'\n') {
            take(body.get(line_start..at)?, &mut headers);
            line_start = at.saturating_add(1);
            cursor = line_start;
            continue;
        }
        if let Some(len) = body.get(at..).and_then(|t| end_line(t, label)) {
            take(body.get(line_start..at)?, &mut headers);
            return Some(Scanned {
                headers,
                base64,
                end: at.saturating_add(len),
            });
        }
        // A dash inside a header line (`Proc-Type`), or a stray one the decoder will refuse.
        cursor = at.saturating_add(1);
    }
}

/// The length of `-----END {label}-----` if `text` starts with it.
fn end_line(text: &str, label: &str) -> Option<usize> {
    let rest = text.strip_prefix("-----END ")?.strip_prefix(label)?;
    rest.starts_with("-----")
        .then(|| text.len().saturating_sub(rest.len()).saturating_add(5))
}

/// Decodes the joined base64 lines (RFC 4648, padding required, as OpenSSL writes it) with
/// `base64-simd`, which decodes an MWS answer's 1.7 KB in a quarter of the `base64` crate's
/// time (benches/benches/yookassa.rs, `open-parts`); the `base64` crate still encodes. Only
/// where decoding fails, for whitespace inside a line (which OpenSSL also accepts), is every
/// whitespace byte taken out and decoding tried again; the detail of a failure is then the
/// decoder's.
fn decode_base64(mut base64: Vec<u8>) -> Result<Vec<u8>, String> {
    let standard = base64_simd::STANDARD;
    match standard.decode_to_vec(&base64) {
        Ok(der) => Ok(der),
        Err(_) => {
            base64.retain(|b| !b.is_ascii_whitespace());
            standard.decode_to_vec(&base64).map_err(|e| e.to_string())
        }
    }
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
