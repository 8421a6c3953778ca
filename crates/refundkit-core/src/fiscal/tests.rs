use super::*;

#[test]
fn every_value_has_one_canonical_name_that_reads_back() {
    for v in VatRate::ALL {
        assert_eq!(v.as_str().parse::<VatRate>(), Ok(v));
    }
    for m in PaymentMethod::ALL {
        assert_eq!(m.to_string().parse::<PaymentMethod>(), Ok(m));
    }
    for s in PaymentSubject::ALL {
        assert_eq!(s.as_str().parse::<PaymentSubject>(), Ok(s));
    }
    let e = "21".parse::<VatRate>().unwrap_err();
    assert!(e.to_string().contains("22/122"), "{e}");
}
