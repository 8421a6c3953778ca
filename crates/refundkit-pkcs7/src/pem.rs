//! PEM, as OpenSSL writes it: `-----BEGIN LABEL-----`, base64 in lines, `-----END LABEL-----`.
//! Reading tolerates CRLF, other line widths and surrounding whitespace.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Whether `input` looks like PEM (after leading whitespace).
pub fn is_pem(input: &[u8]) -> bool {
    input.trim_ascii_start().starts_with(b"-----BEGIN ")
}

/// Decodes the first PEM block whose label is one of `labels`; returns the label and the DER.
pub fn decode<'l>(input: &[u8], labels: &[&'l str]) -> Result<(&'l str, Vec<u8>), String> {
    let text = std::str::from_utf8(input).map_err(|_| "PEM is not ASCII text".to_string())?;
    for label in labels {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let Some(start) = text.find(&begin) else {
            continue;
        };
        let body = text
            .get(start.saturating_add(begin.len())..)
            .unwrap_or_default();
        let stop = body.find(&end).ok_or_else(|| format!("no `{end}` line"))?;
        // Whitespace (line breaks, CR, indentation) is dropped in one pass over the bytes.
        let b64: Vec<u8> = body
            .get(..stop)
            .unwrap_or_default()
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let der = STANDARD
            .decode(&b64)
            .map_err(|e| format!("bad base64 in PEM: {e}"))?;
        return Ok((label, der));
    }
    Err(format!("no PEM block labelled {}", labels.join(" or ")))
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
