//! `cargo run -p testkit --example make_tricky_tree -- DIR [--sparse] [--bmp-only]`: builds the
//! tricky tree in DIR (for trying readers and writers by hand).
fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .expect("usage: make_tricky_tree DIR [--sparse] [--bmp-only]"),
    );
    let flags: Vec<String> = args.collect();
    let sparse = flags.iter().any(|a| a == "--sparse");
    let bmp_only = flags.iter().any(|a| a == "--bmp-only");
    std::fs::create_dir_all(&dir)?;
    testkit::make_tricky_tree_with(
        &dir,
        &testkit::TrickyOptions {
            sparse_over_4gib: sparse,
            bmp_only,
            fifo: false,
        },
    )?;
    let snap = testkit::snapshot(&dir)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&snap).unwrap_or_default()
    );
    Ok(())
}
