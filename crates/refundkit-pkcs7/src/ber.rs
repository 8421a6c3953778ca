//! A bounded BER reader: just enough of X.690 to walk a CMS message as OpenSSL streams it.
//!
//! Why not `der`: `der` 0.8 reads BER when asked (`EncodingRules::Ber`), but only one layer at
//! a time (a nested `Any` is decoded under DER rules again, so each layer of a streamed message
//! must be re-encoded and re-read), it hands back a constructed OCTET STRING as its segments
//! rather than the content, and it refuses long-form lengths BER allows. A verifier built on it
//! would hash a re-encoding of the signed attributes, whose bytes depend on the rules it
//! decoded with (under DER rules an unsorted SET OF, as OpenSSL writes signed attributes, comes
//! back sorted). All measured in `tests/der_ber.rs`. This reader walks BER directly and hands
//! out slices of the input, so the signed attributes are hashed exactly as received, and the
//! content of a streamed message is joined once.
//!
//! Bounds: nesting depth ([`MAX_DEPTH`]), pieces of a constructed string ([`MAX_CHUNKS`]),
//! lengths of at most 4 octets that must fit the input, and (at the caller) the input size.
//! Low tag numbers only (CMS uses no others). Every failure is an error, never a panic.

use std::borrow::Cow;

/// Deepest nesting accepted. A CMS SignedData with a certificate nests about 12 levels.
pub const MAX_DEPTH: usize = 32;
/// Most pieces a constructed OCTET STRING may be split into.
pub const MAX_CHUNKS: usize = 4096;

/// What is wrong with the encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BerError {
    /// The input ends inside an element.
    #[error("truncated at offset {0}")]
    Truncated(usize),
    /// A length that does not fit (over 4 octets, or past the end).
    #[error("bad length at offset {0}")]
    Length(usize),
    /// An indefinite length on a primitive element.
    #[error("indefinite length on a primitive element at offset {0}")]
    IndefinitePrimitive(usize),
    /// A high tag number (not used by CMS).
    #[error("unsupported high tag number at offset {0}")]
    HighTag(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A constructed string split into more than [`MAX_CHUNKS`] pieces.
    #[error("string split into more than {MAX_CHUNKS} pieces")]
    TooManyChunks,
    /// A piece of a constructed OCTET STRING that is not an OCTET STRING.
    #[error("constructed OCTET STRING holds something else")]
    BadChunk,
}

/// Universal tags used here.
pub mod tag {
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// OCTET STRING, primitive.
    pub const OCTET_STRING: u8 = 0x04;
    /// OCTET STRING, constructed (BER).
    pub const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
    /// NULL.
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// UTCTime.
    pub const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// SEQUENCE.
    pub const SEQUENCE: u8 = 0x30;
    /// SET.
    pub const SET: u8 = 0x31;
    /// `[0]` constructed.
    pub const CONTEXT_0: u8 = 0xA0;
    /// `[1]` constructed.
    pub const CONTEXT_1: u8 = 0xA1;
    /// `[0]` primitive.
    pub const CONTEXT_0_PRIMITIVE: u8 = 0x80;
}

/// One element: its identifier octet, its content, and where it sits in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The identifier octet (class, constructed bit, tag number).
    pub tag: u8,
    /// The whole encoding: identifier, length, content (and end-of-contents, if indefinite).
    pub raw: &'a [u8],
    /// The content octets (for an indefinite length, without the end-of-contents).
    pub content: &'a [u8],
    /// Whether the length was indefinite.
    pub indefinite: bool,
    /// Offset of the element in the whole input, for error messages.
    pub offset: usize,
    depth: usize,
}

/// Reads the element at the start of `input` (at `offset` in the whole message) and returns
/// it with the bytes after it.
pub fn read(input: &[u8], offset: usize) -> Result<(Tlv<'_>, &[u8]), BerError> {
    read_at(input, offset, 0)
}

fn read_at(input: &[u8], offset: usize, depth: usize) -> Result<(Tlv<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    let (&tag, after_tag) = input.split_first().ok_or(BerError::Truncated(offset))?;
    if tag & 0x1f == 0x1f {
        return Err(BerError::HighTag(offset));
    }
    let constructed = tag & 0x20 != 0;
    let (&first, rest) = after_tag
        .split_first()
        .ok_or(BerError::Truncated(offset.saturating_add(1)))?;
    let header_len;
    let length = match first {
        0x80 => {
            if !constructed {
                return Err(BerError::IndefinitePrimitive(offset));
            }
            header_len = 2usize;
            None
        }
        n if n < 0x80 => {
            header_len = 2;
            Some(usize::from(n))
        }
        n => {
            let count = usize::from(n & 0x7f);
            if count > 4 {
                return Err(BerError::Length(offset));
            }
            let octets = rest.get(..count).ok_or(BerError::Truncated(offset))?;
            let len = octets
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            header_len = count.saturating_add(2);
            Some(len)
        }
    };
    let body = input.get(header_len..).ok_or(BerError::Truncated(offset))?;
    let body_offset = offset.saturating_add(header_len);
    match length {
        Some(len) => {
            if len > body.len() {
                return Err(BerError::Length(offset));
            }
            let (content, after) = body.split_at(len);
            let total = header_len.saturating_add(len);
            let tlv = Tlv {
                tag,
                raw: input.get(..total).ok_or(BerError::Length(offset))?,
                content,
                indefinite: false,
                offset,
                depth,
            };
            Ok((tlv, after))
        }
        None => {
            // Walk the children to find the end-of-contents octets.
            let mut rest = body;
            let mut pos = 0usize;
            loop {
                if let Some(after_eoc) = rest.strip_prefix(&[0u8, 0u8][..]) {
                    let content = body.get(..pos).ok_or(BerError::Length(offset))?;
                    let total = header_len.saturating_add(pos).saturating_add(2);
                    let tlv = Tlv {
                        tag,
                        raw: input.get(..total).ok_or(BerError::Length(offset))?,
                        content,
                        indefinite: true,
                        offset,
                        depth,
                    };
                    return Ok((tlv, after_eoc));
                }
                if rest.is_empty() {
                    return Err(BerError::Truncated(body_offset.saturating_add(pos)));
                }
                let (child, after) = read_at(
                    rest,
                    body_offset.saturating_add(pos),
                    depth.saturating_add(1),
                )?;
                pos = pos.saturating_add(child.raw.len());
                rest = after;
            }
        }
    }
}

impl<'a> Tlv<'a> {
    /// Whether the constructed bit is set.
    pub fn is_constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// The elements inside a constructed element, in order.
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: if self.is_constructed() {
                self.content
            } else {
                &[]
            },
            offset: self
                .offset
                .saturating_add(self.raw.len().saturating_sub(self.content.len()))
                .saturating_sub(if self.indefinite { 2 } else { 0 }),
            depth: self.depth.saturating_add(1),
        }
    }

    /// The value of an OCTET STRING, primitive or split into constructed pieces (joined).
    pub fn octets(&self) -> Result<Cow<'a, [u8]>, BerError> {
        match self.tag {
            tag::OCTET_STRING => Ok(Cow::Borrowed(self.content)),
            tag::OCTET_STRING_CONSTRUCTED => {
                let mut out = Vec::with_capacity(self.content.len());
                let mut chunks = 0usize;
                self.join_into(&mut out, &mut chunks)?;
                Ok(Cow::Owned(out))
            }
            _ => Err(BerError::BadChunk),
        }
    }

    fn join_into(&self, out: &mut Vec<u8>, chunks: &mut usize) -> Result<(), BerError> {
        for child in self.children() {
            let child = child?;
            *chunks = chunks.saturating_add(1);
            if *chunks > MAX_CHUNKS {
                return Err(BerError::TooManyChunks);
            }
            match child.tag {
                tag::OCTET_STRING => out.extend_from_slice(child.content),
                tag::OCTET_STRING_CONSTRUCTED => child.join_into(out, chunks)?,
                _ => return Err(BerError::BadChunk),
            }
        }
        Ok(())
    }
}

/// Iterator over the children of a constructed element.
pub struct Children<'a> {
    rest: &'a [u8],
    offset: usize,
    depth: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match read_at(self.rest, self.offset, self.depth) {
            Ok((tlv, after)) => {
                self.offset = self.offset.saturating_add(tlv.raw.len());
                self.rest = after;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests;
