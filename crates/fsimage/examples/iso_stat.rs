//! `cargo run -p fsimage --example iso_stat -- IMAGE PATH`: prints the reader's view of one path.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(image), Some(path)) = (args.get(1), args.get(2)) else {
        return Err("usage: iso_stat IMAGE PATH".into());
    };
    let source = fsimage::FileSectorSource::new(std::fs::File::open(image)?)?;
    let mut volume = fsimage::read::Volume::open(source, fsimage::read::ReadOptions::default())?;
    println!("{:#?}", volume.info());
    let node = volume.lookup(path)?;
    println!("{node:#?}");
    if node.is_dir() {
        for child in volume.list_dir(&node)? {
            println!(
                "{:?} {:?} {} {:?}",
                child.name_lossy(),
                child.stat.kind,
                child.stat.size,
                child.extents
            );
        }
    }
    Ok(())
}
