//! Every parser, fed arbitrary bytes, returns `Ok` or `Err` and never panics;
//! what parses re-emits to bytes that parse to the same value (every field).

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
                // Every field: extent, lengths, date, flags, unit, gap,
                // sequence, identifier and System Use. A record of odd length
                // is emitted with a zero byte more (records are even, 9.1.1),
                // which the parser then counts as System Use.
                let again = DirectoryRecord::parse(&out).unwrap();
                let mut padded = rec.system_use.to_vec();
                if (DirectoryRecord::header_len(rec.file_id.len()) + padded.len()) % 2 == 1 {
                    padded.push(0);
                }
                prop_assert_eq!(again.system_use, &padded[..]);
                prop_assert_eq!(DirectoryRecord { system_use: rec.system_use, ..again }, rec);
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
        // What parses re-emits to bytes that parse to the same value.
        for endian in [PathTableEndian::Little, PathTableEndian::Big] {
            if let Ok(rec) = PathTableRecord::parse(&bytes, endian) {
                let mut out = vec![0u8; rec.buffer_len()];
                rec.emit(&mut out, endian);
                prop_assert_eq!(PathTableRecord::parse(&out, endian).unwrap(), rec);
            }
        }
        if let Ok(date) = DirDate::parse(&bytes) {
            let _ = date.to_unix();
            let mut out = [0u8; DirDate::LEN];
            date.emit(&mut out);
            prop_assert_eq!(DirDate::parse(&out).unwrap(), date);
        }
        if let Ok(date) = VolumeDate::parse(&bytes) {
            let _ = date.to_unix();
            let mut out = [0u8; VolumeDate::LEN];
            date.emit(&mut out);
            prop_assert_eq!(VolumeDate::parse(&out).unwrap(), date);
        }
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
            // What was read leniently is written well-formed, and reads back cleanly.
            let mut expected = vd;
            expected.lenient.clear();
            prop_assert_eq!(VolumeDescriptor::parse(&out).unwrap(), expected);
        }
    }
}
