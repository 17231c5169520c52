#!/usr/bin/env bash
# Frames with a known pattern of TIDs, sequence numbers and retry bits,
# injected from a monitor interface on the AP's radio, must give exactly the
# hand-counted N0/N1/Nlost, cumulative and in the window.
. "$(dirname "$0")/lib.sh"
trap 'finish $?' EXIT

module_load
topo_up --aps 1 --stations 1 --channel 1

ip netns exec "$AP1_NS" iw phy "$AP1_PHY" interface add mon0 type monitor
ip netns exec "$AP1_NS" ip link set mon0 up
# a window longer than the test, so window counts equal the cumulative ones
"$MPWIFI" config set window-ms 10000 >/dev/null
ip netns exec "$TOPO_CLI_NS" "$MPWIFI" config set window-ms 10000
check "window set in the client namespace" equals \
	"$(in_cli "$MPWIFI" -j config show | python3 -c 'import json,sys; print(json.load(sys.stdin)["window_ms"])')" 10000

# No ARP on this link during the test: the AP's only frames to the station are ours.
ip netns exec "$AP1_NS" ip neigh replace "$STA1_IP" lladdr "$STA1_MAC" dev "$AP1_IF" nud permanent
in_cli ip neigh replace "$AP1_IP" lladdr "$AP1_MAC" dev "$STA1_IF" nud permanent

inject() { ip netns exec "$AP1_NS" "$FRAME_INJECT" mon0 "$STA1_MAC" "$AP1_BSSID" "$@"; }

# TIDs 3 and 5 carry nothing else here (the AP sends best effort on TID 0).
# Running totals after each frame: N0 N1 Nlost
in_cli "$MPWIFI" ap flush dev "$STA1_IF"
inject \
	3:100:0 `# start of TID 3              1 0 0` \
	3:101:0 `#                             2 0 0` \
	3:101:1 `# duplicate: never a gap      2 1 0` \
	3:104:0 `# 102, 103 lost               3 1 2` \
	3:103:1 `# late: 103 back from lost    3 2 1` \
	3:106:1 `# 105 lost                    3 3 2` \
	5:4094:0 `# start of TID 5: no gap     4 3 2` \
	5:4095:0 `#                            5 3 2` \
	5:1:0 `# wrap, 0 lost                  6 3 3` \
	5:0:1 `# late: 0 back                  6 4 2` \
	5:3:0 `# 2 lost                        7 4 3` \
	-:500:0 `# non-QoS: counts, no gaps    8 4 3` \
	-:700:1 `#                             8 5 3` \
	-:501:0 `#                             9 5 3` \
	3:107:0 `# TID 3 unaffected by TID 5  10 5 3` \
	3:60:0 `# behind by 47: duplicate     11 5 3` \
	3:0:1 `# behind by 107: not tracked   11 6 3`
snap=$(ap_json)
log "$snap"
check "N0 (first_try) = 11" equals "$(field "$snap" "$STA1_IF" first_try)" 11
check "N1 (retried) = 6" equals "$(field "$snap" "$STA1_IF" retried)" 6
check "Nlost (lost) = 3" equals "$(field "$snap" "$STA1_IF" lost)" 3
check "window N0 = 11" equals "$(field "$snap" "$STA1_IF" window_first_try)" 11
check "window N1 = 6" equals "$(field "$snap" "$STA1_IF" window_retried)" 6
check "window Nlost = 3" equals "$(field "$snap" "$STA1_IF" window_lost)" 3
# eq. 2.2: 11 / (11 + 6 + 3)
check "delivery_prob = 0.55" within "$(field "$snap" "$STA1_IF" delivery_prob)" 0.55 1e-6
check "bssid is the AP's" equals "$(field "$snap" "$STA1_IF" bssid)" "$AP1_BSSID"
check "packet time reported" test -n "$(field "$snap" "$STA1_IF" packet_time_us)"

# Frames from a BSSID the station is not associated with, or to another
# station, are not counted.
inject 4:10:0 4:11:0
ip netns exec "$AP1_NS" "$FRAME_INJECT" mon0 "$STA1_MAC" 02:00:00:aa:bb:cc 4:12:0 4:13:0
ip netns exec "$AP1_NS" "$FRAME_INJECT" mon0 02:00:00:aa:bb:cd "$AP1_BSSID" 4:14:0
check "only the associated AP's frames to us count" equals "$(ap_field "$STA1_IF" first_try)" 13
check "one AP entry" equals "$(ap_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1

# The root namespace has no station: it sees nothing of the client's.
check "other namespaces see nothing" equals "$("$MPWIFI" -j ap show)" "[]"
