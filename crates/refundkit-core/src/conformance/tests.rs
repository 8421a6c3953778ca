use super::*;

#[test]
fn first_difference_points_at_the_byte() {
    assert_eq!(first_difference(b"abc", b"abc"), None);
    let d = first_difference(b"abcdef", b"abXdef").unwrap();
    assert!(d.starts_with("byte 2:"), "{d}");
    assert!(
        first_difference(b"ab", b"abc")
            .unwrap()
            .starts_with("byte 2:")
    );
}
