//! Sense data (SPC-3 4.5; mmc.md §1.4, §6): fixed and descriptor formats,
//! decoding to text.

use mmc::sense::*;

#[test]
fn fixed_format_with_progress() {
    // 2/04/08 with SKSV and progress 4000h (25 %).
    let b = [
        0x70, 0, 0x02, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x04, 0x08, 0, 0x80, 0x40, 0x00,
    ];
    let s = Sense::parse(&b).unwrap();
    assert_eq!(s.format, SenseFormat::Fixed);
    assert_eq!(s.key, SenseKey::NotReady);
    assert_eq!((s.asc, s.ascq), (0x04, 0x08));
    assert_eq!(s.progress, Some(0x4000));
    assert!(s.is_in_progress() && s.is_long_write_in_progress());
    assert_eq!(s.to_fixed(), b);
    assert_eq!(
        Sense::new(SenseKey::NotReady, 4, 8)
            .with_progress(0x4000)
            .to_fixed(),
        b
    );
    assert_eq!(s.to_string(), "2/04/08 NOT READY, LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS: the drive is still writing its buffer [25.0% done]");
}

#[test]
fn fixed_format_information_and_deferred() {
    let s = Sense {
        deferred: true,
        ..Sense::new(SenseKey::MediumError, 0x0C, 0x00)
    }
    .with_information(0x1234);
    let b = s.to_fixed();
    assert_eq!(b[0], 0xF1); // VALID + deferred
    assert_eq!(&b[3..7], &[0, 0, 0x12, 0x34]);
    assert_eq!(Sense::parse(&b).unwrap(), s);
    // Progress is only defined for NO SENSE / NOT READY.
    let mut illegal = Sense::new(SenseKey::IllegalRequest, 0x24, 0).to_fixed();
    illegal[15] = 0x80;
    illegal[16] = 0x12;
    assert_eq!(Sense::parse(&illegal).unwrap().progress, None);
}

#[test]
fn descriptor_format() {
    #[rustfmt::skip]
    let b = [
        0x72, 0x05, 0x21, 0x02, 0, 0, 0, 0x0C,
        0x00, 0x0A, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0x12, 0x34, // information descriptor
    ];
    let s = Sense::parse(&b).unwrap();
    assert_eq!(s.format, SenseFormat::Descriptor);
    assert_eq!(s.code(), (5, 0x21, 0x02));
    assert_eq!(s.information, Some(0x1234));
    assert_eq!(s.to_descriptor(), b.to_vec());
    assert_eq!(
        s.to_string(),
        "5/21/02 ILLEGAL REQUEST, INVALID ADDRESS FOR WRITE: write not at the next writable address, or the disc is closed"
    );
    // Sense-key-specific descriptor carries progress.
    let p = Sense {
        format: SenseFormat::Descriptor,
        ..Sense::new(SenseKey::NotReady, 4, 7)
    }
    .with_progress(0x8000);
    let bytes = p.to_bytes();
    assert_eq!(&bytes[8..16], &[0x02, 0x06, 0, 0, 0x80, 0x80, 0x00, 0]);
    assert_eq!(Sense::parse(&bytes).unwrap(), p);
}

#[test]
fn short_and_garbage_sense() {
    assert!(Sense::parse(&[]).is_err());
    assert!(Sense::parse(&[0x70, 0]).is_err());
    assert!(Sense::parse(&[0x00; 18]).is_err());
    // Truncated fixed sense: key only.
    let s = Sense::parse(&[0x70, 0, 0x06]).unwrap();
    assert_eq!((s.key, s.asc, s.ascq), (SenseKey::UnitAttention, 0, 0));
    // A descriptor that claims more than there is does not panic.
    let s = Sense::parse(&[0x72, 0x02, 0x3A, 0x00, 0, 0, 0, 0xFF, 0x02, 0xFF]).unwrap();
    assert!(s.is_no_medium());
}

#[test]
fn texts_and_classes() {
    assert_eq!(asc_text(0x21, 0x00), "LOGICAL BLOCK ADDRESS OUT OF RANGE");
    assert_eq!(asc_text(0x3A, 0x02), "MEDIUM NOT PRESENT - TRAY OPEN");
    assert_eq!(
        asc_text(0x72, 0x03),
        "SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION"
    );
    // Unknown qualifier: the code's generic text.
    assert_eq!(asc_text(0x30, 0x77), "INCOMPATIBLE MEDIUM INSTALLED");
    assert_eq!(asc_text(0xF0, 0x00), "UNKNOWN ADDITIONAL SENSE CODE");
    assert!(Sense::new(SenseKey::UnitAttention, 0x28, 0).is_retryable_unit_attention());
    assert!(Sense::new(SenseKey::UnitAttention, 0x29, 0x02).is_retryable_unit_attention());
    assert!(!Sense::new(SenseKey::UnitAttention, 0x2E, 0).is_retryable_unit_attention());
    assert!(Sense::new(SenseKey::UnitAttention, 0x2E, 0).is_in_progress());
    assert!(Sense::new(SenseKey::IllegalRequest, 0x20, 0).is_unsupported());
    assert!(Sense::new(SenseKey::IllegalRequest, 0x24, 0).is_unsupported());
    assert!(!Sense::new(SenseKey::IllegalRequest, 0x21, 0).is_unsupported());
    // The key in words, then the code's text.
    assert_eq!(
        Sense::new(SenseKey::HardwareError, 0x44, 0).to_string(),
        "4/44/00 HARDWARE ERROR, INTERNAL TARGET FAILURE"
    );
    assert_eq!(SenseKey::from(0xC), SenseKey::Other(0xC));
}
