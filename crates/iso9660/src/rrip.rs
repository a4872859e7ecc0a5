//! Rock Ridge Interchange Protocol (IEEE P1282, RRIP 1.12) entries: PX (4.1.1),
//! PN (4.1.2), SL (4.1.3), NM (4.1.4), CL (4.1.5.1), PL (4.1.5.2), RE (4.1.5.3),
//! TF (4.1.6), the RR entry of RRIP 1.09 (tolerated when reading), and ZF
//! (zisofs, [`crate::zisofs`]).
//! [`Entry`] parses any SUSP or RRIP entry into a typed value.

use crate::bytes::{both_u32, put_both_u32};
use crate::date::{DirDate, VolumeDate};
use crate::susp::{self, emit_header, CeEntry, ErEntry, RawEntry, SpEntry, HEADER_LEN};
use crate::zisofs::ZfEntry;
use crate::{need, Error};

/// ER identifier and texts for RRIP 1.12 (RRIP 1.12 5.1; "IEEE_P1282" with
/// extension version 1). RRIP 1.09 images use "RRIP_1991A".
pub const RRIP_112_ID: &[u8] = b"IEEE_P1282";
pub const RRIP_109_ID: &[u8] = b"RRIP_1991A";
pub const RRIP_112_DESCRIPTOR: &[u8] =
    b"THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.";
pub const RRIP_112_SOURCE: &[u8] =
    b"PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION.";

fn exact(what: &'static str, data: &[u8], len: usize) -> Result<(), Error> {
    if data.len() != len {
        return Err(Error::BadLength {
            what,
            len: data.len() + HEADER_LEN,
            reason: "wrong entry length",
        });
    }
    Ok(())
}

/// PX: POSIX file attributes. 44 bytes in RRIP 1.12 (with the file serial
/// number), 36 bytes in RRIP 1.10 (without).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PxEntry {
    /// st_mode: file type and permission bits (POSIX values).
    pub mode: u32,
    pub links: u32,
    pub uid: u32,
    pub gid: u32,
    /// st_ino; `None` when read from a 36-byte RRIP 1.10 entry.
    pub serial: Option<u32>,
}

impl PxEntry {
    pub const LEN: usize = 44;
    pub const LEN_110: usize = 36;

    pub fn parse(data: &[u8]) -> Result<Self, Error> {
        let serial = match data.len() + HEADER_LEN {
            Self::LEN => Some(both_u32(data, 32)),
            Self::LEN_110 => None,
            len => {
                return Err(Error::BadLength {
                    what: "PX entry",
                    len,
                    reason: "must be 36 or 44 bytes",
                })
            }
        };
        Ok(PxEntry {
            mode: both_u32(data, 0),
            links: both_u32(data, 8),
            uid: both_u32(data, 16),
            gid: both_u32(data, 24),
            serial,
        })
    }

    pub fn buffer_len(&self) -> usize {
        if self.serial.is_some() {
            Self::LEN
        } else {
            Self::LEN_110
        }
    }

    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(buf, b"PX", self.buffer_len(), 1);
        put_both_u32(buf, 4, self.mode);
        put_both_u32(buf, 12, self.links);
        put_both_u32(buf, 20, self.uid);
        put_both_u32(buf, 28, self.gid);
        if let Some(serial) = self.serial {
            put_both_u32(buf, 36, serial);
        }
    }
}

/// PN: device number of a block or character device (4.1.2). 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PnEntry {
    pub dev_high: u32,
    pub dev_low: u32,
}

impl PnEntry {
    pub const LEN: usize = 20;

    pub fn parse(data: &[u8]) -> Result<Self, Error> {
        exact("PN entry", data, Self::LEN - HEADER_LEN)?;
        Ok(PnEntry {
            dev_high: both_u32(data, 0),
            dev_low: both_u32(data, 8),
        })
    }

    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(buf, b"PN", Self::LEN, 1);
        put_both_u32(buf, 4, self.dev_high);
        put_both_u32(buf, 12, self.dev_low);
    }
}

/// SL component flags (4.1.3.1).
pub mod sl_flags {
    /// The component continues in the next component record.
    pub const CONTINUE: u8 = 0x01;
    /// The component is `.`.
    pub const CURRENT: u8 = 0x02;
    /// The component is `..`.
    pub const PARENT: u8 = 0x04;
    /// The component is `/` (the path is absolute).
    pub const ROOT: u8 = 0x08;
    /// Obsolete: the volume root / host; readers map them to `/`.
    pub const VOLROOT: u8 = 0x10;
    pub const HOST: u8 = 0x20;
}

/// One component record of an SL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlComponent<'a> {
    pub flags: u8,
    pub content: &'a [u8],
}

impl SlComponent<'_> {
    pub fn buffer_len(&self) -> usize {
        2 + self.content.len()
    }
}

/// SL: symbolic link (4.1.3). The link target is split into component records;
/// a long target continues in further SL entries (entry flag CONTINUE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlEntry<'a> {
    /// Bit 0 (CONTINUE): the target continues in the next SL entry.
    pub flags: u8,
    pub components: Vec<SlComponent<'a>>,
}

impl<'a> SlEntry<'a> {
    pub const CONTINUE: u8 = 0x01;

    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        need("SL entry", data, 1)?;
        let mut components = Vec::new();
        let mut rest = &data[1..];
        while !rest.is_empty() {
            if rest.len() < 2 {
                return Err(Error::BadLength {
                    what: "SL component",
                    len: rest.len(),
                    reason: "truncated header",
                });
            }
            let len = usize::from(rest[1]);
            if rest.len() < 2 + len {
                return Err(Error::BadLength {
                    what: "SL component",
                    len,
                    reason: "runs past the entry",
                });
            }
            components.push(SlComponent {
                flags: rest[0],
                content: &rest[2..2 + len],
            });
            rest = &rest[2 + len..];
        }
        Ok(SlEntry {
            flags: data[0],
            components,
        })
    }

    /// Appends the part of a link target this entry holds, as Linux reads
    /// it (fs/isofs/rock.c): a plain component adds its text, CURRENT `.`,
    /// PARENT `..`, ROOT `/`; any other flag combination (VOLROOT, HOST, or
    /// several flags at once) adds nothing. A `/` follows every component
    /// that is neither ROOT nor continued (component CONTINUE flag), except
    /// the entry's last, which gets one only when the target goes on in the
    /// next SL entry (entry CONTINUE flag). So a ROOT component in the middle
    /// of a target adds a `/` and does not restart it: `.` ROOT ROOT `file`
    /// reads `.///file`, as mkisofs recorded it.
    pub fn append_target(&self, target: &mut Vec<u8>) {
        let count = self.components.len();
        for (i, component) in self.components.iter().enumerate() {
            let is_root = component.flags & !sl_flags::CONTINUE == sl_flags::ROOT;
            match component.flags & !sl_flags::CONTINUE {
                0 => target.extend_from_slice(component.content),
                sl_flags::CURRENT => target.push(b'.'),
                sl_flags::PARENT => target.extend_from_slice(b".."),
                sl_flags::ROOT => target.push(b'/'),
                _ => {}
            }
            let continued = component.flags & sl_flags::CONTINUE != 0;
            let last = i + 1 == count;
            let slash = !is_root && !continued && (!last || self.flags & Self::CONTINUE != 0);
            if slash {
                target.push(b'/');
            }
        }
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + 1
            + self
                .components
                .iter()
                .map(SlComponent::buffer_len)
                .sum::<usize>()
    }

    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        assert!(len <= 255, "SL entry too long");
        emit_header(buf, b"SL", len, 1);
        buf[4] = self.flags;
        let mut at = 5;
        for c in &self.components {
            buf[at] = c.flags;
            buf[at + 1] = c.content.len() as u8;
            buf[at + 2..at + 2 + c.content.len()].copy_from_slice(c.content);
            at += c.buffer_len();
        }
    }
}

/// NM flags (4.1.4.1).
pub mod nm_flags {
    /// The name continues in the next NM entry.
    pub const CONTINUE: u8 = 0x01;
    /// The name is `.`.
    pub const CURRENT: u8 = 0x02;
    /// The name is `..`.
    pub const PARENT: u8 = 0x04;
    /// Obsolete: the host name.
    pub const HOST: u8 = 0x20;
}

/// NM: alternate (POSIX) name (4.1.4); a long name continues in further NM entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NmEntry<'a> {
    pub flags: u8,
    pub name: &'a [u8],
}

impl<'a> NmEntry<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        need("NM entry", data, 1)?;
        Ok(NmEntry {
            flags: data[0],
            name: &data[1..],
        })
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 1 + self.name.len()
    }

    pub fn emit(&self, buf: &mut [u8]) {
        let len = self.buffer_len();
        assert!(len <= 255, "NM entry too long");
        emit_header(buf, b"NM", len, 1);
        buf[4] = self.flags;
        buf[5..len].copy_from_slice(self.name);
    }
}

fn parse_location(what: &'static str, data: &[u8]) -> Result<u32, Error> {
    exact(what, data, 8)?;
    Ok(both_u32(data, 0))
}

fn emit_location(buf: &mut [u8], signature: &[u8; 2], lba: u32) {
    emit_header(buf, signature, 12, 1);
    put_both_u32(buf, 4, lba);
}

/// TF flag bits (4.1.6): which timestamps are recorded, in this order.
pub mod tf_flags {
    pub const CREATION: u8 = 0x01;
    pub const MODIFY: u8 = 0x02;
    pub const ACCESS: u8 = 0x04;
    pub const ATTRIBUTES: u8 = 0x08;
    pub const BACKUP: u8 = 0x10;
    pub const EXPIRATION: u8 = 0x20;
    pub const EFFECTIVE: u8 = 0x40;
    /// Timestamps use the 17-byte form instead of the 7-byte form.
    pub const LONG_FORM: u8 = 0x80;
}

/// One TF timestamp, in the form the entry uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TfTime {
    Short(DirDate),
    Long(VolumeDate),
}

impl TfTime {
    pub fn to_unix(&self) -> Option<i64> {
        match self {
            TfTime::Short(d) => d.to_unix(),
            TfTime::Long(d) => d.to_unix(),
        }
    }
}

/// TF: time stamps (4.1.6). `times[i]` belongs to flag bit `i` (creation,
/// modify, access, attributes, backup, expiration, effective).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TfEntry {
    pub long_form: bool,
    pub times: [Option<TfTime>; 7],
}

impl TfEntry {
    pub const CREATION: usize = 0;
    pub const MODIFY: usize = 1;
    pub const ACCESS: usize = 2;
    pub const ATTRIBUTES: usize = 3;
    pub const BACKUP: usize = 4;
    pub const EXPIRATION: usize = 5;
    pub const EFFECTIVE: usize = 6;

    fn stamp_len(long_form: bool) -> usize {
        if long_form {
            VolumeDate::LEN
        } else {
            DirDate::LEN
        }
    }

    pub fn flags(&self) -> u8 {
        let mut flags = if self.long_form {
            tf_flags::LONG_FORM
        } else {
            0
        };
        for (i, t) in self.times.iter().enumerate() {
            if t.is_some() {
                flags |= 1 << i;
            }
        }
        flags
    }

    pub fn parse(data: &[u8]) -> Result<Self, Error> {
        need("TF entry", data, 1)?;
        let flags = data[0];
        let long_form = flags & tf_flags::LONG_FORM != 0;
        let size = Self::stamp_len(long_form);
        let count = (flags & 0x7F).count_ones() as usize;
        if data.len() < 1 + count * size {
            return Err(Error::BadLength {
                what: "TF entry",
                len: data.len() + HEADER_LEN,
                reason: "too short for its flagged timestamps",
            });
        }
        let mut times = [None; 7];
        let mut at = 1;
        for (i, slot) in times.iter_mut().enumerate() {
            if flags & (1 << i) != 0 {
                let bytes = &data[at..at + size];
                *slot = Some(if long_form {
                    TfTime::Long(VolumeDate::parse(bytes)?)
                } else {
                    TfTime::Short(DirDate::parse(bytes)?)
                });
                at += size;
            }
        }
        Ok(TfEntry { long_form, times })
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 1 + self.times.iter().flatten().count() * Self::stamp_len(self.long_form)
    }

    /// Panics if a timestamp's form disagrees with `long_form`.
    pub fn emit(&self, buf: &mut [u8]) {
        emit_header(buf, b"TF", self.buffer_len(), 1);
        buf[4] = self.flags();
        let mut at = 5;
        for t in self.times.iter().flatten() {
            match (t, self.long_form) {
                (TfTime::Short(d), false) => d.emit(&mut buf[at..]),
                (TfTime::Long(d), true) => d.emit(&mut buf[at..]),
                _ => panic!("TF timestamp form does not match the LONG_FORM flag"),
            }
            at += Self::stamp_len(self.long_form);
        }
    }
}

/// Any SUSP or RRIP entry, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<'a> {
    Sp(SpEntry),
    Ce(CeEntry),
    Er(ErEntry<'a>),
    /// ES: extension sequence number.
    Es(u8),
    St,
    Pd,
    Px(PxEntry),
    Pn(PnEntry),
    Sl(SlEntry<'a>),
    Nm(NmEntry<'a>),
    /// CL: location of the relocated child directory.
    Cl(u32),
    /// PL: location of the original parent of a relocated directory.
    Pl(u32),
    /// RE: this directory record is a relocated directory (hide it).
    Re,
    Tf(TfEntry),
    /// RR (RRIP 1.09, not in 1.12): flags of which RRIP entries are present.
    Rr(u8),
    /// ZF or Z2: the file's data is zisofs-compressed ([`crate::zisofs`]).
    Zf(ZfEntry),
    /// Any other signature (SF, AA, AL, ...), left as recorded.
    Unknown(RawEntry<'a>),
}

impl<'a> Entry<'a> {
    pub fn parse(raw: RawEntry<'a>) -> Result<Self, Error> {
        let d = raw.data;
        Ok(match &raw.signature {
            b"SP" => Entry::Sp(SpEntry::parse(d)?),
            b"CE" => Entry::Ce(CeEntry::parse(d)?),
            b"ER" => Entry::Er(ErEntry::parse(d)?),
            b"ES" => Entry::Es(susp::parse_es(d)?),
            b"ST" => {
                exact("ST entry", d, 0)?;
                Entry::St
            }
            b"PD" => Entry::Pd,
            b"PX" => Entry::Px(PxEntry::parse(d)?),
            b"PN" => Entry::Pn(PnEntry::parse(d)?),
            b"SL" => Entry::Sl(SlEntry::parse(d)?),
            b"NM" => Entry::Nm(NmEntry::parse(d)?),
            b"CL" => Entry::Cl(parse_location("CL entry", d)?),
            b"PL" => Entry::Pl(parse_location("PL entry", d)?),
            b"RE" => {
                exact("RE entry", d, 0)?;
                Entry::Re
            }
            b"TF" => Entry::Tf(TfEntry::parse(d)?),
            b"RR" => {
                exact("RR entry", d, 1)?;
                Entry::Rr(d[0])
            }
            b"ZF" | b"Z2" => Entry::Zf(ZfEntry::parse(raw.signature, raw.version, d)?),
            _ => Entry::Unknown(raw),
        })
    }

    /// Parses the entry at the start of `buf`.
    pub fn parse_bytes(buf: &'a [u8]) -> Result<Self, Error> {
        Self::parse(RawEntry::parse(buf)?)
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            Entry::Sp(_) => SpEntry::LEN,
            Entry::Ce(_) => CeEntry::LEN,
            Entry::Er(e) => e.buffer_len(),
            Entry::Es(_) | Entry::Rr(_) => 5,
            Entry::St | Entry::Re => 4,
            Entry::Pd => 4,
            Entry::Px(e) => e.buffer_len(),
            Entry::Pn(_) => PnEntry::LEN,
            Entry::Sl(e) => e.buffer_len(),
            Entry::Nm(e) => e.buffer_len(),
            Entry::Cl(_) | Entry::Pl(_) => 12,
            Entry::Tf(e) => e.buffer_len(),
            Entry::Zf(_) => ZfEntry::LEN,
            Entry::Unknown(raw) => raw.len(),
        }
    }

    pub fn emit(&self, buf: &mut [u8]) {
        match self {
            Entry::Sp(e) => e.emit(buf),
            Entry::Ce(e) => e.emit(buf),
            Entry::Er(e) => e.emit(buf),
            Entry::Es(seq) => {
                emit_header(buf, b"ES", 5, 1);
                buf[4] = *seq;
            }
            Entry::St => susp::emit_st(buf),
            Entry::Pd => susp::emit_pd(buf, 4),
            Entry::Px(e) => e.emit(buf),
            Entry::Pn(e) => e.emit(buf),
            Entry::Sl(e) => e.emit(buf),
            Entry::Nm(e) => e.emit(buf),
            Entry::Cl(lba) => emit_location(buf, b"CL", *lba),
            Entry::Pl(lba) => emit_location(buf, b"PL", *lba),
            Entry::Re => emit_header(buf, b"RE", 4, 1),
            Entry::Tf(e) => e.emit(buf),
            Entry::Zf(e) => e.emit(buf),
            Entry::Rr(flags) => {
                emit_header(buf, b"RR", 5, 1);
                buf[4] = *flags;
            }
            Entry::Unknown(raw) => {
                emit_header(buf, &raw.signature, raw.len(), raw.version);
                buf[HEADER_LEN..raw.len()].copy_from_slice(raw.data);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(bytes: &[u8], expected: Entry<'_>) {
        let parsed = Entry::parse_bytes(bytes).unwrap();
        assert_eq!(parsed, expected);
        assert_eq!(parsed.buffer_len(), bytes.len());
        let mut out = vec![0u8; bytes.len()];
        parsed.emit(&mut out);
        assert_eq!(out, bytes);
    }

    static PX_112: [u8; 44] = [
        b'P', b'X', 44, 1, //
        0xA4, 0x81, 0, 0, 0, 0, 0x81, 0xA4, // mode 0o100644
        2, 0, 0, 0, 0, 0, 0, 2, // links
        0xE8, 3, 0, 0, 0, 0, 3, 0xE8, // uid 1000
        0x64, 0, 0, 0, 0, 0, 0, 0x64, // gid 100
        7, 0, 0, 0, 0, 0, 0, 7, // serial 7
    ];

    /// SL components as (flags, content).
    type Components<'a> = &'a [(u8, &'a [u8])];

    /// The target of SL entries given as (entry flags, components).
    fn target(entries: &[(u8, Components<'_>)]) -> String {
        let mut out = Vec::new();
        for (flags, components) in entries {
            let entry = SlEntry {
                flags: *flags,
                components: components
                    .iter()
                    .map(|&(flags, content)| SlComponent { flags, content })
                    .collect(),
            };
            entry.append_target(&mut out);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sl_targets_read_as_linux_reads_them() {
        use sl_flags::*;
        // Values worked out by hand from fs/isofs/rock.c get_symlink_chunk.
        assert_eq!(target(&[(0, &[(0, b"t.txt")])]), "t.txt");
        assert_eq!(
            target(&[(0, &[(ROOT, b""), (0, b"etc"), (0, b"hosts")])]),
            "/etc/hosts"
        );
        assert_eq!(target(&[(0, &[(CURRENT, b""), (0, b"t")])]), "./t");
        assert_eq!(target(&[(0, &[(PARENT, b""), (0, b"t")])]), "../t");
        assert_eq!(target(&[(0, &[(ROOT, b"")])]), "/");
        // ROOT in the middle appends a `/` (old mkisofs for `.///file`).
        assert_eq!(
            target(&[(0, &[(CURRENT, b""), (ROOT, b""), (ROOT, b""), (0, b"file")])]),
            ".///file"
        );
        // An empty component in the middle (`/tmp//..`).
        assert_eq!(
            target(&[(0, &[(ROOT, b""), (0, b"tmp"), (0, b""), (PARENT, b"")])]),
            "/tmp//.."
        );
        // A component continued within an entry, and across entries.
        assert_eq!(
            target(&[(0, &[(CONTINUE, b"lo"), (0, b"ng"), (0, b"x")])]),
            "long/x"
        );
        assert_eq!(
            target(&[
                (SlEntry::CONTINUE, &[(CONTINUE, b"lo")]),
                (0, &[(0, b"ng")])
            ]),
            "long"
        );
        // The entry continues but its last component does not: a `/` between entries.
        assert_eq!(
            target(&[(SlEntry::CONTINUE, &[(0, b"a")]), (0, &[(0, b"b")])]),
            "a/b"
        );
        // ...unless that last component is ROOT.
        assert_eq!(
            target(&[(SlEntry::CONTINUE, &[(ROOT, b"")]), (0, &[(0, b"b")])]),
            "/b"
        );
        // A continued CURRENT or PARENT adds no `/`.
        assert_eq!(
            target(&[(0, &[(CURRENT | CONTINUE, b""), (0, b"x")])]),
            ".x"
        );
        // VOLROOT, HOST and combined flags add nothing but still separate.
        assert_eq!(target(&[(0, &[(VOLROOT, b""), (0, b"x")])]), "/x");
        assert_eq!(target(&[(0, &[(HOST, b"h"), (0, b"x")])]), "/x");
        assert_eq!(target(&[(0, &[(ROOT | CURRENT, b""), (0, b"x")])]), "/x");
        // A trailing empty component: a trailing `/`.
        assert_eq!(target(&[(0, &[(0, b"dir"), (0, b"")])]), "dir/");
        // The last entry wrongly flagged CONTINUE: Linux ends the target with `/`.
        assert_eq!(target(&[(SlEntry::CONTINUE, &[(0, b"a")])]), "a/");
    }

    #[test]
    fn px_both_forms() {
        let px = PxEntry {
            mode: 0o100644,
            links: 2,
            uid: 1000,
            gid: 100,
            serial: Some(7),
        };
        round_trip(&PX_112, Entry::Px(px));
        let mut px110 = PX_112[..36].to_vec();
        px110[2] = 36;
        round_trip(&px110, Entry::Px(PxEntry { serial: None, ..px }));
        let mut bad = PX_112[..40].to_vec();
        bad[2] = 40;
        assert!(Entry::parse_bytes(&bad).is_err());
    }

    #[test]
    fn pn_cl_pl_re_rr() {
        let pn = [
            b'P', b'N', 20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x08, 0, 0, 0, 0, 0x08, 0x03,
        ];
        round_trip(
            &pn,
            Entry::Pn(PnEntry {
                dev_high: 0,
                dev_low: 0x0803,
            }),
        );
        let cl = [b'C', b'L', 12, 1, 0x40, 0, 0, 0, 0, 0, 0, 0x40];
        round_trip(&cl, Entry::Cl(0x40));
        let pl = [b'P', b'L', 12, 1, 0x41, 0, 0, 0, 0, 0, 0, 0x41];
        round_trip(&pl, Entry::Pl(0x41));
        round_trip(b"RE\x04\x01", Entry::Re);
        round_trip(b"RR\x05\x01\x89", Entry::Rr(0x89));
        assert!(Entry::parse_bytes(b"RE\x05\x01\x00").is_err());
        round_trip(b"ST\x04\x01", Entry::St);
    }

    #[test]
    fn sl_components() {
        // "../lib/x" as PARENT, "lib", "x"
        let bytes = [b'S', b'L', 14, 1, 0, 0x04, 0, 0, 3, b'l', b'i', b'b', 0, 1];
        let mut fixed = bytes.to_vec();
        fixed.push(b'x');
        fixed[2] = 15;
        let sl = SlEntry {
            flags: 0,
            components: vec![
                SlComponent {
                    flags: sl_flags::PARENT,
                    content: b"",
                },
                SlComponent {
                    flags: 0,
                    content: b"lib",
                },
                SlComponent {
                    flags: 0,
                    content: b"x",
                },
            ],
        };
        round_trip(&fixed, Entry::Sl(sl));
        // the unfixed one has a component running past the entry
        assert!(Entry::parse_bytes(&bytes).is_err());
        let root = [b'S', b'L', 7, 1, 0, sl_flags::ROOT, 0];
        round_trip(
            &root,
            Entry::Sl(SlEntry {
                flags: 0,
                components: vec![SlComponent {
                    flags: sl_flags::ROOT,
                    content: b"",
                }],
            }),
        );
    }

    #[test]
    fn nm_entry() {
        round_trip(
            b"NM\x08\x01\x01abc",
            Entry::Nm(NmEntry {
                flags: nm_flags::CONTINUE,
                name: b"abc",
            }),
        );
        round_trip(
            b"NM\x05\x01\x02",
            Entry::Nm(NmEntry {
                flags: nm_flags::CURRENT,
                name: b"",
            }),
        );
        assert!(Entry::parse_bytes(b"NM\x04\x01").is_err());
    }

    #[test]
    fn tf_short_and_long() {
        let d = DirDate::from_unix(1_700_000_000);
        let mut bytes = vec![b'T', b'F', 19, 1, 0x06];
        let mut stamp = [0u8; 7];
        d.emit(&mut stamp);
        bytes.extend_from_slice(&stamp);
        bytes.extend_from_slice(&stamp);
        let mut times = [None; 7];
        times[TfEntry::MODIFY] = Some(TfTime::Short(d));
        times[TfEntry::ACCESS] = Some(TfTime::Short(d));
        round_trip(
            &bytes,
            Entry::Tf(TfEntry {
                long_form: false,
                times,
            }),
        );

        let v = VolumeDate::from_unix(1_700_000_000);
        let mut long = vec![b'T', b'F', 22, 1, 0x81];
        let mut vs = [0u8; 17];
        v.emit(&mut vs);
        long.extend_from_slice(&vs);
        let mut ltimes = [None; 7];
        ltimes[TfEntry::CREATION] = Some(TfTime::Long(v));
        round_trip(
            &long,
            Entry::Tf(TfEntry {
                long_form: true,
                times: ltimes,
            }),
        );
        assert_eq!(TfTime::Long(v).to_unix(), Some(1_700_000_000));
        // flags claim three stamps, only two present
        bytes[4] = 0x07;
        assert!(Entry::parse_bytes(&bytes).is_err());
    }

    #[test]
    fn er_rrip_and_unknown() {
        let er = ErEntry {
            ext_version: 1,
            identifier: RRIP_112_ID,
            descriptor: RRIP_112_DESCRIPTOR,
            source: RRIP_112_SOURCE,
        };
        let mut buf = vec![0u8; er.buffer_len()];
        er.emit(&mut buf);
        assert_eq!(Entry::parse_bytes(&buf).unwrap(), Entry::Er(er));
        round_trip(
            b"AL\x06\x01ab",
            Entry::Unknown(RawEntry {
                signature: *b"AL",
                version: 1,
                data: b"ab",
            }),
        );
    }
}
