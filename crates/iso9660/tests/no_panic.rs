//! Every parser, fed arbitrary bytes, returns `Ok` or `Err` and never panics;
//! what parses re-emits to bytes that parse to the same value.

use iso9660::dirrec::{DirectoryRecord, RecordIter};
use iso9660::path_table::{PathTableEndian, PathTableRecord};
use iso9660::rrip::Entry;
use iso9660::susp::{RawEntry, SystemUseIter};
use iso9660::volume::{DescriptorHeader, VolumeDescriptor};
use iso9660::{DirDate, VolumeDate};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn directory_record_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(rec) = DirectoryRecord::parse(&bytes) {
            if rec.buffer_len() <= 255 {
                let mut out = vec![0u8; rec.buffer_len()];
                rec.emit(&mut out);
                let again = DirectoryRecord::parse(&out).unwrap();
                prop_assert_eq!(again.extent, rec.extent);
                prop_assert_eq!(again.file_id, rec.file_id);
            }
        }
        let _ = RecordIter::new(&bytes).count();
    }

    #[test]
    fn susp_and_rrip_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for raw in SystemUseIter::new(&bytes).flatten() {
            {
                if let Ok(typed) = Entry::parse(raw) {
                    let mut out = vec![0u8; typed.buffer_len()];
                    if typed.buffer_len() <= 255 {
                        typed.emit(&mut out);
                        prop_assert_eq!(Entry::parse_bytes(&out).unwrap(), typed);
                    }
                }
            }
        }
        let _ = RawEntry::parse(&bytes).map(Entry::parse);
    }

    #[test]
    fn rrip_entry_bodies(sig in prop::sample::select(vec![*b"SP", *b"CE", *b"ER", *b"ES", *b"ST", *b"PD", *b"PX", *b"PN", *b"SL", *b"NM", *b"CL", *b"PL", *b"RE", *b"TF", *b"RR"]),
                         body in proptest::collection::vec(any::<u8>(), 0..120)) {
        let mut bytes = vec![sig[0], sig[1], (body.len() + 4) as u8, 1];
        bytes.extend_from_slice(&body);
        if let Ok(typed) = Entry::parse_bytes(&bytes) {
            let mut out = vec![0u8; typed.buffer_len()];
            typed.emit(&mut out);
            prop_assert_eq!(Entry::parse_bytes(&out).unwrap(), typed);
        }
    }

    #[test]
    fn descriptor_and_table_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..2100)) {
        let _ = DescriptorHeader::parse(&bytes);
        let _ = VolumeDescriptor::parse(&bytes);
        let _ = PathTableRecord::parse(&bytes, PathTableEndian::Little);
        let _ = PathTableRecord::parse(&bytes, PathTableEndian::Big);
        let _ = DirDate::parse(&bytes).map(|d| d.to_unix());
        let _ = VolumeDate::parse(&bytes).map(|d| d.to_unix());
        let _ = iso9660::names::decode_ucs2(&bytes);
        let _ = iso9660::names::strip_version(&bytes);
    }

    #[test]
    fn volume_descriptor_with_valid_header(mut bytes in proptest::collection::vec(any::<u8>(), 2048..=2048), kind in 1u8..=2) {
        bytes[0] = kind;
        bytes[1..6].copy_from_slice(b"CD001");
        if let Ok(vd) = VolumeDescriptor::parse(&bytes) {
            let mut out = vec![0u8; 2048];
            vd.emit(&mut out);
            prop_assert_eq!(VolumeDescriptor::parse(&out).unwrap(), vd);
        }
    }
}
