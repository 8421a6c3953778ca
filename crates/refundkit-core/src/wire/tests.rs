crate::wire_enum! {
    /// A text table.
    pub enum Message: str {
        /// Not enough funds.
        NotEnough = "NotEnoughOperationFunds",
        /// Bad key.
        BadKey = "Signature key is not exists",
    }
}

crate::wire_enum! {
    /// A number table.
    pub enum Error: i64 {
        /// No error.
        None = 0,
        /// Reused.
        Reused = 405,
    }
}

#[test]
fn text_codes_round_trip_and_unknown_ones_are_kept_verbatim() {
    for raw in [
        "NotEnoughOperationFunds",
        "Signature key is not exists",
        "SomethingNew",
        "",
    ] {
        let m = Message::from_wire(raw);
        assert_eq!(m.as_str(), raw);
        assert_eq!(m.to_string(), raw);
        assert_eq!(raw.parse::<Message>(), Ok(m.clone()));
        assert_eq!(m.is_known(), Message::KNOWN.contains(&m));
    }
    assert_eq!(Message::BadKey.meaning(), Some("Bad key."));
    assert_eq!(Message::from_wire("x").meaning(), None);
}

#[test]
fn number_codes_round_trip_and_unknown_ones_are_kept() {
    for raw in [0, 405, 777, -1] {
        let e = Error::from_wire(raw);
        assert_eq!(e.code(), raw);
        assert_eq!(e.to_string().parse::<Error>(), Ok(e));
    }
    assert_eq!(Error::from_wire(405), Error::Reused);
    assert_eq!(Error::from_wire(777), Error::Other(777));
    assert_eq!(Error::Reused.meaning(), Some("Reused."));
    assert!(Error::KNOWN.iter().all(|e| e.is_known()) && !Error::Other(777).is_known());
    assert!("x".parse::<Error>().is_err());
}

#[test]
fn serde_carries_the_wire_form() {
    let m: Message = serde_json::from_str("\"SomethingNew\"").unwrap();
    assert_eq!(m, Message::Other("SomethingNew".into()));
    assert_eq!(
        serde_json::to_string(&Message::NotEnough).unwrap(),
        "\"NotEnoughOperationFunds\""
    );
    let e: Error = serde_json::from_str("405").unwrap();
    assert_eq!(
        (e, serde_json::to_string(&Error::Other(9)).unwrap()),
        (Error::Reused, "9".into())
    );
}
