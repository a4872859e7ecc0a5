//! INQUIRY vital product data (EVPD=1): the pages SPC-3 makes mandatory, which
//! QEMU's iSCSI driver reads before it opens a LUN.

use std::time::Duration;

use emulator::{MediaType, Recorder};
use mmc::{DataDirection, ScsiStatus, Transport};

fn inquiry(rec: &mut Recorder, evpd: bool, page: u8) -> (ScsiStatus, Vec<u8>) {
    let cdb = [0x12, u8::from(evpd), page, 0x00, 0xff, 0x00];
    let mut buf = vec![0u8; 255];
    let outcome = rec
        .execute(
            &cdb,
            DataDirection::FromDevice(&mut buf),
            Duration::from_secs(5),
        )
        .unwrap();
    buf.truncate(255 - outcome.residual);
    (outcome.status, buf)
}

#[test]
fn supported_serial_and_identification_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut rec = Recorder::create(dir.path().join("m"), MediaType::CdR, None).unwrap();

    let (status, page) = inquiry(&mut rec, true, 0x00);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(page, [0x05, 0x00, 0x00, 0x03, 0x00, 0x80, 0x83]);

    let (status, serial) = inquiry(&mut rec, true, 0x80);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(&serial[..4], &[0x05, 0x80, 0x00, 0x08]);
    let serial_text = std::str::from_utf8(&serial[4..]).unwrap().to_string();
    assert!(
        serial_text.chars().all(|c| c.is_ascii_hexdigit()),
        "{serial_text}"
    );

    let (status, ident) = inquiry(&mut rec, true, 0x83);
    assert_eq!(status, ScsiStatus::Good);
    assert_eq!(&ident[..2], &[0x05, 0x83]);
    let page_len = u16::from_be_bytes([ident[2], ident[3]]) as usize;
    assert_eq!(ident.len(), 4 + page_len);
    // One designator: ASCII, T10 vendor ID, naming the vendor and the serial.
    assert_eq!(&ident[4..7], &[0x02, 0x01, 0x00]);
    assert_eq!(ident[7] as usize, page_len - 4);
    let id = std::str::from_utf8(&ident[8..]).unwrap();
    assert_eq!(id, format!("DISCBURNEMU RECORDER {serial_text}"));

    // Same medium, same serial; a page not listed is refused.
    let (_, again) = inquiry(&mut rec, true, 0x80);
    assert_eq!(again, serial);
    let (status, _) = inquiry(&mut rec, true, 0xb0);
    assert_eq!(status, ScsiStatus::CheckCondition);
    // A page code without EVPD is still an invalid field.
    let (status, _) = inquiry(&mut rec, false, 0x80);
    assert_eq!(status, ScsiStatus::CheckCondition);
}
