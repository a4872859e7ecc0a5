# Probes a guest's CD/DVD drives with sg_raw (sg3-utils): every MMC command a burner or
# reader sends, plus ones a read-only drive should refuse. Run inside the guest with
#   cargo run -p qemu-harness --example guest_shell -- --ide IMG --virtio IMG \
#       --bin sg_raw=/usr/bin/sg_raw crates/qemu-harness/probes/mmc_probe.sh
# Results on QEMU 7.2: ../QEMU-DRIVE.md.
for var in $(env | sed -n 's/^\(DEV_[A-Za-z0-9_]*\)=.*/\1/p' | sort); do
eval dev=\$$var; lab=${var#DEV_}
echo "=================== $lab $dev"
b=/sys/block/${dev#/dev/}
echo "sysfs: vendor=[$(cat $b/device/vendor)] model=[$(cat $b/device/model)] rev=[$(cat $b/device/rev)] size512=$(cat $b/size) max_hw_sectors_kb=$(cat $b/queue/max_hw_sectors_kb) max_sectors_kb=$(cat $b/queue/max_sectors_kb) max_segments=$(cat $b/queue/max_segments) max_segment_size=$(cat $b/queue/max_segment_size) lbs=$(cat $b/queue/logical_block_size)"
p() { name=$1; shift; echo "--- $name: $*"; sg_raw -v "$@" 2>&1 | grep -v '^ *cdb to send' ; }
p INQUIRY -r 96 $dev 12 00 00 00 60 00
p TUR $dev 00 00 00 00 00 00
p REQUEST_SENSE -r 18 $dev 03 00 00 00 12 00
p GETCONF_RT0 -r 1024 $dev 46 00 00 00 00 00 00 04 00 00
p GETCONF_RT2_F0 -r 256 $dev 46 02 00 00 00 00 00 01 00 00
p GETCONF_RT1 -r 64 $dev 46 01 00 00 00 00 00 00 40 00
p GESN -r 8 $dev 4a 01 00 00 10 00 00 00 08 00
p READ_CAPACITY -r 8 $dev 25 00 00 00 00 00 00 00 00 00
p READ_DISC_INFO -r 34 $dev 51 00 00 00 00 00 00 00 22 00
p READ_DISC_INFO_big_alloc -r 256 $dev 51 00 00 00 00 00 00 01 00 00
p READ_TRACK_INFO_t1 -r 48 $dev 52 01 00 00 00 01 00 00 30 00
p READ_TRACK_INFO_lba0 -r 48 $dev 52 00 00 00 00 00 00 00 30 00
p READ_TRACK_INFO_t2 -r 48 $dev 52 01 00 00 00 02 00 00 30 00
p READ_TRACK_INFO_invisible_ff -r 48 $dev 52 01 00 00 00 ff 00 00 30 00
p READ_TRACK_INFO_session1 -r 48 $dev 52 02 00 00 00 01 00 00 30 00
p TOC0_LBA -r 804 $dev 43 00 00 00 00 00 01 03 24 00
p TOC0_MSF -r 804 $dev 43 02 00 00 00 00 01 03 24 00
p TOC0_LBA_track_aa -r 804 $dev 43 00 00 00 00 00 aa 03 24 00
p TOC1 -r 12 $dev 43 00 01 00 00 00 00 00 0c 00
p TOC2_raw -r 1024 $dev 43 02 02 00 00 00 01 04 00 00
p TOC3_PMA -r 1024 $dev 43 02 03 00 00 00 00 04 00 00
p TOC4_ATIP -r 32 $dev 43 00 04 00 00 00 00 00 20 00
p TOC5_CDTEXT -r 1024 $dev 43 00 05 00 00 00 00 04 00 00
p TOC_old_format_ctrl40 -r 12 $dev 43 00 00 00 00 00 00 00 0c 40
p MODE_SENSE_2A -r 255 $dev 5a 00 2a 00 00 00 00 00 ff 00
p MODE_SENSE_05 -r 255 $dev 5a 00 05 00 00 00 00 00 ff 00
p MODE_SENSE_3F -r 1024 $dev 5a 00 3f 00 00 00 00 04 00 00
p MODE_SENSE_01 -r 255 $dev 5a 00 01 00 00 00 00 00 ff 00
p MODE_SENSE_0D -r 255 $dev 5a 00 0d 00 00 00 00 00 ff 00
p MODE_SENSE_1A -r 255 $dev 5a 00 1a 00 00 00 00 00 ff 00
p READ_FORMAT_CAPACITIES -r 252 $dev 23 00 00 00 00 00 00 00 fc 00
p READ_DISC_STRUCTURE_00 -r 2052 $dev ad 00 00 00 00 00 00 00 08 04 00 00
p READ_DISC_STRUCTURE_ff -r 2052 $dev ad 00 00 00 00 00 00 ff 08 04 00 00
p GET_PERFORMANCE -r 64 $dev ac 00 00 00 00 00 00 00 00 01 00 00
p MECHANISM_STATUS -r 8 $dev bd 00 00 00 00 00 00 00 00 08 00 00
p READ_BUFFER_CAPACITY -r 12 $dev 5c 00 00 00 00 00 00 00 0c 00
p SET_CD_SPEED $dev bb 00 ff ff ff ff 00 00 00 00 00 00
p PREVENT_ALLOW_0 $dev 1e 00 00 00 00 00
p START_STOP_start $dev 1b 00 00 00 01 00
p SYNC_CACHE $dev 35 00 00 00 00 00 00 00 00 00
p WRITE10_len0 $dev 2a 00 00 00 00 00 00 00 00 00
p WRITE12_len0 $dev aa 00 00 00 00 00 00 00 00 00 00 00
p CLOSE_TRACK $dev 5b 00 01 00 00 01 00 00 00 00
p RESERVE_TRACK $dev 53 00 00 00 00 00 00 00 10 00
p BLANK_minimal $dev a1 01 00 00 00 00 00 00 00 00 00 00
p FORMAT_UNIT $dev 04 00 00 00 00 00
p SET_STREAMING $dev b6 00 00 00 00 00 00 00 00 00 00 00
p MODE_SELECT10_empty $dev 55 10 00 00 00 00 00 00 00 00
p SEND_OPC $dev 54 01 00 00 00 00 00 00 00 00
p READ_CD_lba16 -r 2048 $dev be 00 00 00 00 10 00 00 01 10 00 00
p READ10_lba16 -r 2048 $dev 28 00 00 00 00 10 00 00 01 00
p READ12_lba16 -r 2048 $dev a8 00 00 00 00 10 00 00 00 01 00 00
p READ10_len0 $dev 28 00 00 00 00 10 00 00 00 00
cap=$(( $(cat $b/size) / 4 ))
echo "capacity blocks (sysfs) = $cap"
lasthex=$(printf '%08x' $((cap-1)))
caphex=$(printf '%08x' $cap)
set -- $(echo $lasthex | sed 's/../& /g'); p READ10_last_block -r 2048 -b $dev 28 00 $1 $2 $3 $4 00 00 01 00 > /dev/null; sg_raw -r 2048 $dev 28 00 $1 $2 $3 $4 00 00 01 00 2>&1 | tail -3
set -- $(echo $caphex | sed 's/../& /g'); p READ10_at_capacity -r 2048 $dev 28 00 $1 $2 $3 $4 00 00 01 00
set -- $(echo $lasthex | sed 's/../& /g'); p READ10_straddle_end -r 4096 $dev 28 00 $1 $2 $3 $4 00 00 02 00
for n in 16 32 64 128 256 512 1024 2048; do
  h=$(printf '%04x' $n); set -- $(echo $h | sed 's/../& /g')
  echo "--- READ10 transfer $n blocks"; sg_raw -o /dev/null -r $((n*2048)) $dev 28 00 00 00 00 00 00 $1 $2 00 2>&1 | head -8
done
p INVALID_OPCODE_ff $dev ff 00 00 00 00 00
p INVALID_OPCODE_02 $dev 02 00 00 00 00 00
p READ_TRACK_INFO_bad_type3 -r 48 $dev 52 03 00 00 00 01 00 00 30 00
done
