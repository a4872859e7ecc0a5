//! `cargo run --example mkimage -- OUT.iso SRC_DIR [ISO/PATH=HOST/PATH...]`:
//! writes an image with the library alone (for trying readers by hand).

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, sources) = args
        .split_first()
        .ok_or("usage: mkimage OUT.iso SOURCE...")?;
    let mut tree = fsimage::Tree::new();
    for source in sources {
        match source.split_once('=') {
            Some((iso, host)) => {
                tree.graft(iso, Path::new(host))?;
            }
            None => tree.add_directory_contents(Path::new(source))?,
        }
    }
    let source_date_epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.parse().ok());
    let opts = fsimage::ImageOptions {
        volume_name: "TEST".into(),
        source_date_epoch,
        ..Default::default()
    };
    let mut image = fsimage::ImageStream::new(tree, opts)?;
    let mut file = std::fs::File::create(out)?;
    image.write_to_file(&mut file, 64 << 10, |_| true)?;
    eprintln!("{} blocks", image.total_blocks());
    Ok(())
}
