//! The guest's shell steps of `served_burners`: each burner's commands, as a user of a
//! real drive would type them, and the kernel's mounts.

use super::EPOCH;

/// Shell helpers every step gets: `session_dir LABEL N` makes the tree session N adds;
/// `show_tree DIR` prints `path contents` of every file.
pub const PRELUDE: &str = r#"
session_dir() { mkdir -p /tmp/$1-$2 && printf '%s session %s' $1 $2 > /tmp/$1-$2/$1$2.txt; }
show_tree() { (cd $1 && find . -type f | sort | while read f; do echo "$f $(cat $f)"; done); }
"#;

/// wodim on the CD-R: `-multi -tao`, each later image made with `genisoimage -C $(wodim
/// -msinfo) -M $DEV` (what the wodim man page shows).
pub const WODIM: &str = r#"
D=$DEV_cdr
for n in 1 2 3; do
  session_dir cdr $n
  if [ $n = 1 ]; then
    genisoimage -quiet -R -J -o /tmp/cdr$n.iso /tmp/cdr-$n || exit 1
  else
    MS=$(wodim dev=$D -msinfo) || exit 2
    echo "msinfo $n: $MS"
    genisoimage -quiet -R -J -C $MS -M $D -o /tmp/cdr$n.iso /tmp/cdr-$n || exit 3
  fi
  wodim dev=$D gracetime=2 -multi -tao -eject -data /tmp/cdr$n.iso > /tmp/wodim$n.log 2>&1 \
    || { cat /tmp/wodim$n.log; exit 4; }
  wodim dev=$D -load >/dev/null 2>&1 || exit 5
  echo "wodim session $n written"
done
wodim dev=$D -toc 2>/dev/null | grep '^track:'
"#;

/// cdrskin (libburn's cdrecord) on the CD-RW: one session, `blank=fast`, then three
/// sessions as with wodim. The blanked disc must read as blank to discburn.
pub const CDRSKIN: &str = r#"
D=$DEV_cdrw
session_dir cdrw 0
genisoimage -quiet -R -J -o /tmp/cdrw0.iso /tmp/cdrw-0 || exit 1
cdrskin dev=$D -multi -tao /tmp/cdrw0.iso > /tmp/cdrskin0.log 2>&1 || { cat /tmp/cdrskin0.log; exit 2; }
cdrskin dev=$D blank=fast > /tmp/blank.log 2>&1 || { cat /tmp/blank.log; exit 3; }
discburn info --json --no-count --target $D
for n in 1 2 3; do
  session_dir cdrw $n
  if [ $n = 1 ]; then
    genisoimage -quiet -R -J -o /tmp/cdrw$n.iso /tmp/cdrw-$n || exit 4
  else
    MS=$(cdrskin dev=$D -msinfo 2>/dev/null) || exit 5
    genisoimage -quiet -R -J -C $MS -M $D -o /tmp/cdrw$n.iso /tmp/cdrw-$n || exit 6
  fi
  cdrskin dev=$D -multi -tao -eject /tmp/cdrw$n.iso > /tmp/cdrskin$n.log 2>&1 \
    || { cat /tmp/cdrskin$n.log; exit 7; }
  sg_raw $SG_cdrw 1b 00 00 00 03 00 >/dev/null 2>&1 || exit 8
done
cdrskin dev=$D -toc 2>/dev/null | grep '^track:'
"#;

/// growisofs on the DVD+R: `-Z` then `-M` twice (it runs genisoimage itself).
pub const GROWISOFS: &str = r#"
D=$DEV_dvdr
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
for n in 1 2 3; do
  session_dir dvdr $n
  if [ $n = 1 ]; then mode=-Z; else mode=-M; fi
  MKISOFS=/bin/genisoimage growisofs $mode $D -R -J /tmp/dvdr-$n > /tmp/growisofs$n.log 2>&1 \
    || { cat /tmp/growisofs$n.log; exit 1; }
  grep "^Executing" /tmp/growisofs$n.log
done
"#;

/// xorriso on the BD-R: its own ISO engine, one `-commit` per session.
pub const XORRISO: &str = r#"
D=$DEV_bdr
for n in 1 2 3; do
  session_dir bdr $n
  xorriso -dev $D -map /tmp/bdr-$n/bdr$n.txt /bdr$n.txt -commit_eject all > /tmp/xorriso$n.log 2>&1 \
    || { cat /tmp/xorriso$n.log; exit 1; }
  sg_raw $SG_bdr 1b 00 00 00 03 00 >/dev/null 2>&1 || exit 2
  echo "xorriso session $n written"
done
xorriso -outdev $D -toc 2>/dev/null | grep '^ISO session'
"#;

/// growisofs grows an overwritable disc three times; the kernel mounts the result.
pub fn grow_script(label: &str) -> String {
    format!(
        r#"
D=$DEV_{label}
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
for n in 1 2 3; do
  session_dir {label} $n
  if [ $n = 1 ]; then mode=-Z; else mode=-M; fi
  MKISOFS=/bin/genisoimage growisofs $mode $D -R -J /tmp/{label}-$n > /tmp/grow$n.log 2>&1 \
    || {{ cat /tmp/grow$n.log; exit 1; }}
done
mount -t iso9660 -o ro $D /mnt || exit 2
show_tree /mnt; umount /mnt
"#
    )
}

/// xorriso writes a session to the DVD-RW, then blanks it (`-blank fast`, which xorriso
/// turns into a full blank on sequential DVD-RW); discburn reports before and after.
pub const XORRISO_BLANK: &str = r#"
D=$DEV_minusrw
session_dir minusrw 1
xorriso -dev $D -map /tmp/minusrw-1/minusrw1.txt /minusrw1.txt -commit > /tmp/xw.log 2>&1 \
  || { cat /tmp/xw.log; exit 1; }
discburn info --json --no-count --target $D
xorriso -dev $D -blank fast > /tmp/xb.log 2>&1 || { cat /tmp/xb.log; exit 2; }
discburn info --json --no-count --target $D
"#;

/// discburn burns two sessions to the served DVD+R through SG_IO; the host's uid and gid
/// own the files so that the host can burn the same trees.
pub fn own_script(uid: u32, gid: u32) -> String {
    format!(
        r#"
D=$DEV_own
for n in 1 2; do
  session_dir own $n
  chown -R {uid}:{gid} /tmp/own-$n && chmod 0644 /tmp/own-$n/own$n.txt && chmod 0755 /tmp/own-$n || exit 1
  SOURCE_DATE_EPOCH={EPOCH} discburn burn --target $D /tmp/own-$n || exit 2
done
"#
    )
}

/// The kernel mounts the disc with no options (the newest session), then each session.
pub fn mount_script(label: &str) -> String {
    format!(
        r#"
D=$DEV_{label}
mount -t iso9660 -o ro $D /mnt || exit 1
echo newest; show_tree /mnt; umount /mnt
for s in 0 1 2; do
  mount -t iso9660 -o ro,session=$s $D /mnt || exit 2
  echo "session=$s"; show_tree /mnt; umount /mnt
done
"#
    )
}
