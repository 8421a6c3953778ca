use super::*;

#[test]
fn definite_short_and_long_lengths() {
    let (t, rest) = read(&[0x04, 0x02, 0xAA, 0xBB, 0xFF], 0).unwrap();
    assert_eq!(
        (t.tag, t.content, rest),
        (0x04, &[0xAA, 0xBB][..], &[0xFF][..])
    );
    let mut long = vec![0x04, 0x81, 0x80];
    long.extend([7u8; 128]);
    let (t, _) = read(&long, 0).unwrap();
    assert_eq!(t.content.len(), 128);
}

#[test]
fn indefinite_lengths_end_at_end_of_contents() {
    // SEQUENCE (indefinite) { INTEGER 1, SEQUENCE (indefinite) { NULL } } EOC
    let der = [
        0x30, 0x80, 0x02, 0x01, 0x01, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99,
    ];
    let (t, rest) = read(&der, 0).unwrap();
    assert!(t.indefinite);
    assert_eq!(rest, &[0x99]);
    let kids: Vec<_> = t.children().map(Result::unwrap).collect();
    assert_eq!(kids.len(), 2);
    assert_eq!(kids[1].children().count(), 1);
}

#[test]
fn constructed_octet_strings_are_joined() {
    let ber = [
        0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0x00, 0x00,
    ];
    let (t, _) = read(&ber, 0).unwrap();
    assert_eq!(t.octets().unwrap().as_ref(), b"abc");
}

#[test]
fn malformed_encodings_are_errors() {
    assert!(matches!(read(&[], 0), Err(BerError::Truncated(0))));
    assert!(matches!(
        read(&[0x04, 0x05, 1], 0),
        Err(BerError::Length(0))
    ));
    assert!(matches!(
        read(&[0x04, 0x80, 0, 0], 0),
        Err(BerError::IndefinitePrimitive(0))
    ));
    assert!(matches!(
        read(&[0x1f, 0x01, 0x00], 0),
        Err(BerError::HighTag(0))
    ));
    assert!(matches!(
        read(&[0x04, 0x85, 1, 1, 1, 1, 1], 0),
        Err(BerError::Length(0))
    ));
    assert!(matches!(
        read(&[0x30, 0x80, 0x05, 0x00], 0),
        Err(BerError::Truncated(_))
    ));
}

#[test]
fn nesting_is_bounded() {
    let mut deep = Vec::new();
    for _ in 0..=MAX_DEPTH + 1 {
        deep.extend([0x30, 0x80]);
    }
    assert_eq!(read(&deep, 0).unwrap_err(), BerError::TooDeep);
}

#[test]
fn chunk_count_is_bounded() {
    let mut ber = vec![0x24, 0x80];
    for _ in 0..=MAX_CHUNKS {
        ber.extend([0x04, 0x00]);
    }
    ber.extend([0, 0]);
    let (t, _) = read(&ber, 0).unwrap();
    assert_eq!(t.octets().unwrap_err(), BerError::TooManyChunks);
}
