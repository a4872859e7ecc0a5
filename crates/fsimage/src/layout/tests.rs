use super::susp::split_su;
use super::*;
use iso9660::rrip::{sl_flags, Entry, SlEntry};

#[test]
fn extents_split_at_4gib_minus_one_block() {
    assert_eq!(extents_of(10, 5).collect::<Vec<_>>(), vec![(10, 5)]);
    assert_eq!(extents_of(10, u64::from(u32::MAX)).count(), 1);
    let size = 4500u64 << 20;
    let ex: Vec<_> = extents_of(100, size).collect();
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0], (100, MAX_EXTENT_BYTES as u32));
    assert_eq!(ex[1].0, 100 + (MAX_EXTENT_BYTES / 2048) as u32);
    assert_eq!(u64::from(ex[0].1) + u64::from(ex[1].1), size);
}

#[test]
fn su_split_fits_blocks() {
    let mut su = SuBuf::default();
    for _ in 0..30 {
        Layout::push_nm(&mut su, &[b'x'; 250]);
    }
    let split = split_su(&su, 200);
    assert_eq!(split.inline, 0);
    for &(from, to) in &split.areas {
        assert!(su.size(from, to) <= BLOCK_SIZE);
        assert!(to > from);
    }
    assert_eq!(split.areas.last().unwrap().1, 30);
    let mut small = SuBuf::default();
    Layout::push_nm(&mut small, b"abc");
    let s = split_su(&small, 200);
    assert_eq!((s.inline, s.areas.len()), (1, 0));
}

#[test]
fn sl_components_and_long_targets() {
    let mut su = SuBuf::default();
    Layout::push_sl(&mut su, b"/usr/../lib/./x");
    assert_eq!(su.ends.len(), 1);
    let Entry::Sl(sl) = Entry::parse_bytes(&su.bytes).unwrap() else {
        panic!("not SL")
    };
    let flags: Vec<u8> = sl.components.iter().map(|c| c.flags).collect();
    assert_eq!(
        flags,
        vec![sl_flags::ROOT, 0, sl_flags::PARENT, 0, sl_flags::CURRENT, 0]
    );
    // a 600-byte component across several entries
    let long = vec![b'a'; 600];
    let mut su = SuBuf::default();
    Layout::push_sl(&mut su, &long);
    assert!(su.ends.len() >= 3);
    let mut rebuilt = Vec::new();
    let mut start = 0;
    for (i, &end) in su.ends.iter().enumerate() {
        let Entry::Sl(sl) = Entry::parse_bytes(&su.bytes[start..end]).unwrap() else {
            panic!("not SL")
        };
        assert_eq!(sl.flags & SlEntry::CONTINUE != 0, i + 1 < su.ends.len());
        for c in &sl.components {
            rebuilt.extend_from_slice(c.content);
        }
        start = end;
    }
    assert_eq!(rebuilt, long);
}

/// The target SL entries of `su` read back as (`SlEntry::append_target`).
fn read_sl(su: &SuBuf) -> Vec<u8> {
    let mut target = Vec::new();
    let mut start = 0;
    for &end in &su.ends {
        let Entry::Sl(sl) = Entry::parse_bytes(&su.bytes[start..end]).unwrap() else {
            panic!("not SL")
        };
        sl.append_target(&mut target);
        start = end;
    }
    target
}

#[test]
fn sl_targets_of_every_shape_read_back_as_written() {
    let long_component = format!("x/{}/y", "b".repeat(700));
    let many = "abc/".repeat(300);
    for target in [
        "plain",
        "/",
        "/etc/hosts",
        "./x",
        "../../up",
        ".///file",
        "/tmp//..",
        "a//b",
        "//x",
        "dir/",
        "dir//",
        "/./.",
        long_component.as_str(),
        many.as_str(),
    ] {
        let mut su = SuBuf::default();
        Layout::push_sl(&mut su, target.as_bytes());
        assert_eq!(
            String::from_utf8(read_sl(&su)).unwrap(),
            target,
            "{target:?} in {} SL entries",
            su.ends.len()
        );
    }
}

#[test]
fn packing_never_crosses_blocks() {
    assert_eq!(pack_blocks([34, 34].into_iter()), 1);
    assert_eq!(pack_blocks(std::iter::repeat_n(254, 8)), 1);
    assert_eq!(pack_blocks(std::iter::repeat_n(254, 9)), 2);
}

#[test]
fn files_of_earlier_sessions_keep_their_extents() {
    use crate::tree::{MediumExtent, Metadata, NodeKind};
    let mut tree = Tree::new();
    let meta = Metadata::synthetic(0o644, 0);
    let one = tree.add_content(DataSource::Extent { lba: 500, size: 10 });
    let two = tree.add_content(DataSource::Extents(vec![
        MediumExtent {
            lba: 600,
            len: 2048,
        },
        MediumExtent { lba: 900, len: 5 },
    ]));
    tree.add_node(tree.root(), b"old", NodeKind::File { content: one }, meta)
        .unwrap();
    tree.add_node(
        tree.root(),
        b"pieces",
        NodeKind::File { content: two },
        meta,
    )
    .unwrap();
    let opts = ImageOptions {
        start_lba: 1000,
        ..ImageOptions::default()
    };
    let layout = Layout::new(tree, opts).unwrap();
    assert!(layout.data_order.is_empty(), "nothing to copy");
    for joliet in [false, true] {
        let mut out = Vec::new();
        layout.emit_directory(joliet, 0, &mut out);
        let recs: Vec<(u32, u32, u8)> = iso9660::dirrec::RecordIter::new(&out)
            .map(|r| r.unwrap().1)
            .filter(|r| !r.is_dot() && !r.is_dotdot())
            .map(|r| (r.extent, r.data_len, r.flags.0))
            .collect();
        assert_eq!(
            recs,
            vec![(500, 10, 0), (600, 2048, 0x80), (900, 5, 0)],
            "joliet={joliet}"
        );
    }
    assert!(layout.iso.dirs[0].lba >= 1016);
}
