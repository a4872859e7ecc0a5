//! Files held as bytes (`DataSource::Bytes`: data embedded in an imported
//! UDF file entry) are laid out and written like host files: each in its own
//! blocks, zero padded, read back exactly, beside a host file.

use std::io::Cursor;

use fsimage::read::{ReadOptions, Volume};
use fsimage::{DataSource, FileSectorSource, ImageOptions, ImageStream, Metadata, NodeKind, Tree};

#[test]
fn byte_contents_are_written_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host");
    std::fs::write(&host, vec![0xAB; 3000]).unwrap();
    let small: Vec<u8> = (0..1800u32).map(|i| (i % 251) as u8).collect();
    let mut tree = Tree::new();
    let root = tree.root();
    let meta = Metadata::synthetic(0o644, 1_700_000_000);
    for (name, data) in [
        ("a_small", DataSource::Bytes(small.as_slice().into())),
        (
            "b_host",
            DataSource::HostFile {
                path: host.clone(),
                size: 3000,
            },
        ),
        ("c_one", DataSource::Bytes(b"x".as_slice().into())),
    ] {
        let content = tree.add_content(data);
        tree.add_node(root, name.as_bytes(), NodeKind::File { content }, meta)
            .unwrap();
    }
    let mut image = ImageStream::new(tree, ImageOptions::default()).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut image, &mut bytes).unwrap();
    assert_eq!(bytes.len() as u64, image.total_bytes());
    let source = FileSectorSource::new(Cursor::new(bytes)).unwrap();
    let mut volume = Volume::open(source, ReadOptions::default()).unwrap();
    assert_eq!(volume.read_file("/a_small").unwrap(), small);
    assert_eq!(volume.read_file("/b_host").unwrap(), vec![0xAB; 3000]);
    assert_eq!(volume.read_file("/c_one").unwrap(), b"x");
}
