# Records what QEMU's CD/DVD drives answer to every command the emulator's QEMU
# personalities are tested with (crates/emulator/tests/qemu_drives.rs replays this
# record against the emulator, drive by drive, command by command, in this order).
# Run inside the guest with sg_raw (sg3-utils); the command line and its images are
# in the header of ../QEMU-RECORD.txt, which holds the output.
#
# Output format (parsed by the test):
#   === DRIVE <label> <device> blocks=<capacity>
#   --- <NAME> | <sg_raw arguments>
#   <sg_raw -v output: status, sense, and a hex dump of the data received>
# Bulk reads write their data to a file and print "data: <bytes> bytes, sha256 <hex>".
# (sg_raw accepts at most 1 MiB for -r, so a 513-block READ(10) cannot be probed.)
for var in $(env | sed -n 's/^\(DEV_[A-Za-z0-9_]*\)=.*/\1/p' | sort); do
eval dev=\$$var; lab=${var#DEV_}
b=/sys/block/${dev#/dev/}
blocks=$(( $(cat $b/size) / 4 ))
echo "=== DRIVE $lab $dev blocks=$blocks"
# One command, data (if any) dumped in hex by sg_raw.
p() { name=$1; shift; echo "--- $name | $*"; sg_raw -v "$@" 2>&1 | grep -v '^ *cdb to send'; }
# One command whose data is summarised by its length and SHA-256.
bulk() {
  name=$1; shift; echo "--- $name | $*"; rm -f /tmp/data
  sg_raw -v -o /tmp/data "$@" 2>&1 | grep -v '^ *cdb to send'
  [ -f /tmp/data ] && echo "data: $(wc -c < /tmp/data) bytes, sha256 $(sha256sum < /tmp/data | cut -d' ' -f1)"
}
# LBA as four CDB bytes.
lba() { printf '%08x' $1 | sed 's/../& /g'; }
p TUR $dev 00 00 00 00 00 00
p GETCONF_RT2_8 -r 8 $dev 46 02 00 00 00 00 00 00 08 00
p READ_CAPACITY -r 8 $dev 25 00 00 00 00 00 00 00 00 00
p READ_DISC_STRUCTURE_00 -r 2052 $dev ad 00 00 00 00 00 00 00 08 04 00 00
p TOC0_LBA -r 768 $dev 43 00 00 00 00 00 00 03 00 00
if [ $blocks -gt 100000 ]; then continue; fi
p GETCONF_RT2_1024 -r 1024 $dev 46 02 00 00 00 00 00 04 00 00
p INQUIRY_36 -r 36 $dev 12 00 00 00 24 00
p INQUIRY_96 -r 96 $dev 12 00 00 00 60 00
p READ_DISC_INFO_256 -r 256 $dev 51 00 00 00 00 00 00 01 00 00
p GESN_media -r 8 $dev 4a 01 00 00 10 00 00 00 08 00
p MECHANISM_STATUS -r 8 $dev bd 00 00 00 00 00 00 00 00 08 00 00
p READ_TRACK_INFO_t1 -r 48 $dev 52 01 00 00 00 01 00 00 30 00
p TOC1 -r 48 $dev 43 00 01 00 00 00 00 00 30 00
p TOC0_byte9_40 -r 48 $dev 43 00 00 00 00 00 00 00 30 40
p TOC3_PMA -r 48 $dev 43 00 03 00 00 00 00 00 30 00
p TOC4_ATIP -r 48 $dev 43 00 04 00 00 00 00 00 30 00
p TOC5_CDTEXT -r 48 $dev 43 00 05 00 00 00 00 00 30 00
p TOC2_raw_msf -r 48 $dev 43 02 02 00 00 00 00 00 30 00
p TOC0_msf_byte9_80 -r 48 $dev 43 02 00 00 00 00 00 00 30 80
p TOC_track5 -r 804 $dev 43 00 00 00 00 00 05 03 24 00
bulk READ10_64 -r 131072 $dev 28 00 00 00 00 00 00 00 40 00
bulk READ10_65 -r 133120 $dev 28 00 00 00 00 00 00 00 41 00
bulk READ10_512 -r 1048576 $dev 28 00 00 00 00 00 00 02 00 00
p READ10_len0 $dev 28 00 00 00 00 00 00 00 00 00
bulk READ10_16_into_8 -r 16384 $dev 28 00 00 00 00 00 00 00 10 00
bulk READ10_8_into_16 -r 32768 $dev 28 00 00 00 00 00 00 00 08 00
p READ10_at_capacity -r 2048 $dev 28 00 $(lba $blocks) 00 00 01 00
p READ10_straddle_end -r 4096 $dev 28 00 $(lba $((blocks - 1))) 00 00 02 00
bulk READ10_last_block -r 2048 $dev 28 00 $(lba $((blocks - 1))) 00 00 01 00
p REQUEST_SENSE -r 18 $dev 03 00 00 00 12 00
p OPCODE_ff $dev ff 00 00 00 00 00 00 00 00 00
p REQUEST_SENSE_after_ff -r 18 $dev 03 00 00 00 12 00
p OPCODE_ff_6 $dev ff 00 00 00 00 00
p OPCODE_ff_12 $dev ff 00 00 00 00 00 00 00 00 00 00 00
p OPCODE_02_6 $dev 02 00 00 00 00 00
p WRITE10_1 -s 2048 -i /dev/zero $dev 2a 00 00 00 00 00 00 00 01 00
p SYNC_CACHE $dev 35 00 00 00 00 00 00 00 00 00
p FORMAT_UNIT $dev 04 00 00 00 00 00
p MODE_SELECT10_empty $dev 55 10 00 00 00 00 00 00 00 00
p SET_CD_SPEED $dev bb 00 ff ff ff ff 00 00 00 00 00 00
bulk READ_CD_user_data -r 2048 $dev be 00 00 00 00 00 00 00 01 10 00 00
p CLOSE_SESSION $dev 5b 00 02 00 00 00 00 00 00 00
p RESERVE_TRACK $dev 53 00 00 00 00 00 00 00 10 00
p BLANK_minimal $dev a1 11 00 00 00 00 00 00 00 00 00 00
p SEND_OPC $dev 54 01 00 00 00 00 00 00 00 00
p SET_STREAMING $dev b6 00 00 00 00 00 00 00 00 00 00 00
p READ_BUFFER_CAPACITY -r 12 $dev 5c 00 00 00 00 00 00 00 0c 00
p READ_FORMAT_CAPACITIES -r 12 $dev 23 00 00 00 00 00 00 00 0c 00
p GET_PERFORMANCE -r 24 $dev ac 00 00 00 00 00 00 00 00 01 03 00
p MODE_SENSE_05 -r 4096 $dev 5a 00 05 00 00 00 00 10 00 00
p MODE_SENSE_3F -r 4096 $dev 5a 00 3f 00 00 00 00 10 00 00
p MODE_SENSE_2A -r 4096 $dev 5a 00 2a 00 00 00 00 10 00 00
p MODE_SENSE_01 -r 255 $dev 5a 00 01 00 00 00 00 00 ff 00
p MODE_SENSE_08 -r 255 $dev 5a 00 08 00 00 00 00 00 ff 00
p GETCONF_from_feature1 -r 64 $dev 46 02 00 01 00 00 00 00 40 00
p REQUEST_SENSE_after_getconf -r 18 $dev 03 00 00 00 12 00
p INQUIRY_VPD_list -r 64 $dev 12 01 00 00 40 00
p GESN_no_class -r 8 $dev 4a 01 00 00 00 00 00 00 08 00
p GESN_not_polled -r 8 $dev 4a 00 00 00 10 00 00 00 08 00
p SEEK10_lba5 $dev 2b 00 00 00 00 05 00 00 00 00
p SEEK10_at_capacity $dev 2b 00 $(lba $blocks) 00 00 00 00
p READ_DISC_STRUCTURE_ff -r 64 $dev ad 00 00 00 00 00 00 ff 00 40 00 00
p READ_CD_no_fields $dev be 00 00 00 00 05 00 00 01 00 00 00
p READ_CD_no_fields_2048 -r 2048 $dev be 00 00 00 00 05 00 00 01 00 00 00
p TOC1_12 -r 12 $dev 43 00 01 00 00 00 00 00 0c 00
bulk READ_CD_raw_lba5 -r 2352 $dev be 00 00 00 00 05 00 00 01 f8 00 00
p READ_DISC_INFO_type1 -r 34 $dev 51 01 00 00 00 00 00 00 22 00
p VERIFY10 $dev 2f 00 00 00 00 00 00 00 01 00
p READ_CAPACITY16 -r 32 $dev 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00
done
