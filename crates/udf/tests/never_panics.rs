//! Every parser returns an error, never panics, on any bytes.

use proptest::prelude::*;
use udf::file::{
    AdKind, Allocation, AllocationExtent, FileEntry, FileIdentifier, FileSet, SparingTable, Vat,
};
use udf::volume::{
    AnchorPointer, Integrity, LogicalVolume, Partition, PartitionMap, PrimaryVolume,
};

fn with_valid_tag(mut b: Vec<u8>, id: u16) -> Vec<u8> {
    // Give random bodies a chance to get past the tag checks.
    if b.len() >= 16 {
        let crc_len = (b.len() - 16).min(u16::MAX as usize);
        b[0..2].copy_from_slice(&id.to_le_bytes());
        b[2..4].copy_from_slice(&3u16.to_le_bytes());
        b[5] = 0;
        b[10..12].copy_from_slice(&(crc_len as u16).to_le_bytes());
        let crc = udf::tag::crc16(&b[16..16 + crc_len]);
        b[8..10].copy_from_slice(&crc.to_le_bytes());
        b[4] = udf::tag::checksum(&b);
    }
    b
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2100), id in 0u16..0x10b) {
        for b in [bytes.clone(), with_valid_tag(bytes.clone(), id)] {
            let _ = AnchorPointer::parse(&b);
            let _ = PrimaryVolume::parse(&b);
            let _ = Partition::parse(&b);
            let _ = LogicalVolume::parse(&b);
            let _ = Integrity::parse(&b);
            let _ = PartitionMap::parse(&b);
            let _ = FileSet::parse(&b);
            let _ = FileEntry::parse(&b);
            let _ = FileIdentifier::parse(&b);
            let _ = AllocationExtent::parse(&b);
            let _ = SparingTable::parse(&b);
            let _ = Vat::parse_v200(&b);
            let _ = Vat::parse_v150(&b);
            for kind in [AdKind::Short, AdKind::Long, AdKind::Extended, AdKind::Embedded] {
                let _ = Allocation::parse(kind, &b);
            }
            let _ = udf::cs0::decode(&b);
            let _ = udf::cs0::decode_dstring(&b);
        }
    }
}
