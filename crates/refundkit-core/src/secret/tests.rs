use super::*;

#[test]
fn secrets_never_print() {
    let s = SecretString::from("p@ss");
    let b = SecretBytes::from(b"key".to_vec());
    for text in [
        format!("{s:?}"),
        format!("{s}"),
        format!("{s:#?}"),
        format!("{b:?}"),
        format!("{b}"),
    ] {
        assert!(!text.contains("p@ss") && !text.contains("key"), "{text}");
    }
}

#[test]
fn one_trailing_newline_is_not_part_of_a_file_secret() {
    let s = |b: &[u8]| {
        SecretString::from_file_bytes(b.to_vec())
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    assert_eq!(s(b"pw\n"), "pw");
    assert_eq!(s(b"pw\r\n"), "pw");
    assert_eq!(s(b"pw\n\n"), "pw\n");
    assert_eq!(s(b"pw "), "pw ");
    assert!(SecretString::from_file_bytes(vec![0xff]).is_err());
}
