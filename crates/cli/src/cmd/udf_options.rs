//! The UDF options `burn` and `sync` share (`--udf`, `--no-udf`,
//! `--udf-symlinks`, `--udf-revision`) and the summary line saying what the
//! session's UDF holds, or why it has none.

/// Flattened into `burn`'s and `sync`'s arguments.
#[derive(clap::Args)]
pub struct UdfArgs {
    /// Add a UDF file system beside ISO 9660, Joliet and Rock Ridge (a
    /// "bridge" disc, as Windows writes them): the same files, one copy of
    /// their data. Symbolic links and device nodes stay out of the UDF tree
    /// (7-Zip refuses a UDF volume holding a link); names longer than UDF's
    /// 255 bytes are cut. An append to a session that has UDF writes it
    /// again without this option (as Windows does), unless --no-udf.
    #[arg(long)]
    pub udf: bool,

    /// Leave UDF out of an append to a session that has it: UDF-first
    /// readers (Windows, 7-Zip) then show this session's Joliet or ISO 9660
    /// tree; the older sessions' UDF still reads at their start.
    #[arg(long, conflicts_with = "udf")]
    pub no_udf: bool,

    /// Keep symbolic links in the UDF tree too (Linux reads them; 7-Zip then
    /// cannot open the image). With --udf, or on an append that keeps the
    /// UDF of the session it starts from.
    #[arg(long, conflicts_with = "no_udf")]
    pub udf_symlinks: bool,

    /// The UDF revision, 2.01 (default: Windows XP and later, Linux, macOS)
    /// or 1.02 (older readers); with --udf, or on an append that keeps UDF.
    /// An append to a session with UDF keeps that session's revision unless
    /// this is given (2.01 for revisions discburn does not write).
    #[arg(long, value_name = "REV", conflicts_with = "no_udf", value_parser = ["2.01", "1.02"])]
    pub udf_revision: Option<String>,
}

impl UdfArgs {
    /// What the engine is asked.
    pub fn request(&self) -> discburn::UdfRequest {
        discburn::UdfRequest {
            add: self.udf,
            leave_out: self.no_udf,
            revision: self
                .udf_revision
                .as_deref()
                .and_then(udf::Revision::from_text),
            symlinks: self.udf_symlinks,
        }
    }
}

/// The UDF line of a summary: what the session's UDF holds and, on an append
/// to a session with UDF (`imported`), why it has UDF or has none. Empty
/// when there is nothing to say.
pub fn udf_text(
    udf: Option<&discburn::UdfReport>,
    dropped: Option<&str>,
    imported: Option<u32>,
    start_lba: u64,
) -> String {
    let imported = imported.map_or(String::from("the imported session"), |n| {
        format!("session {n}")
    });
    let Some(u) = udf else {
        return match dropped {
            Some(why) => format!(
                "no UDF ({why}), though {imported} has it: UDF-first readers (Windows, 7-Zip) \
                 show this session's Joliet or ISO 9660 tree\n"
            ),
            None => String::new(),
        };
    };
    let why = match (&u.imported_revision, u.implied) {
        (Some(old), true) => format!(", as {imported} has UDF {old} (--no-udf leaves it out)"),
        (Some(old), false) if *old != u.revision => format!(" ({imported} has UDF {old})"),
        _ => String::new(),
    };
    let left_out = match u.left_out {
        0 => String::new(),
        n => format!(", {n} links or device nodes left out (--udf-symlinks keeps links)"),
    };
    let partition = if u.partition_start < start_lba {
        format!(
            ", partition from block {} (earlier sessions' data)",
            u.partition_start
        )
    } else {
        String::new()
    };
    format!(
        "UDF {}{why}: {} files, {} directories{partition}{left_out}\n",
        u.revision, u.files, u.directories
    )
}
