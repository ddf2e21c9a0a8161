#!/bin/sh
# test_heavy_loss.sh: scenarios/hostile-heavy-loss.ini swept over the path's loss, 0 %, 10 %,
# 20 % and 30 % each way (`--set path.branch-internet.loss=`): at every level IKE must converge
# twice (at the start and after the device's reboot at 2 min), the tunnel must be up at the end
# and the flow back within 60 s of the reboot; the scenario's own expectations hold too (its
# "retransmitted" one is relaxed to >= 0, since at 0 % nothing is lost). The sweep proves the
# loss really changed: no IKE retransmission at 0 %, some at 30 %, and the flow's loss grows
# with the path's (it adds the 10 s reboot, about 3.5 %).
. "${top_srcdir:-.}/tests/vpnsim_test.sh"

# counter NAME FILE: a registry counter's value from report.json
counter() { sed -n "s|^ *\"$1\" : \([0-9]*\).*|\1|p" "$2" | head -1; }

prev_loss=-1
for l in 0 10 20 30; do
	d="$out/loss$l"
	if "$VPNSIM" run "$SRC/scenarios/hostile-heavy-loss.ini" --out "$d" --quiet \
		--set "path.branch-internet.loss=$l%" \
		--set "expect.retransmitted=counter.ike/branch/retransmits >= 0" \
		--set "expect.converged_twice=counter.ike/branch/established >= 2" \
		--set "expect.up_twice=counter.device/branch/t0/up_events >= 2" \
		--set "expect.back_after_reboot=flow.app.outage <= 60 s" >"$d.txt" 2>&1; then
		n=$(grep -c '"pass" : true' "$d/report.json")
		if [ "$n" = 6 ]; then
			echo "PASS loss $l %: IKE converged, all 6 expectations hold"
		else
			echo "FAIL loss $l %: $n of 6 expectations in report.json hold"
			fail=1
		fi
	else
		echo "FAIL loss $l %: exit status not 0"
		cat "$d.txt"
		fail=1
		continue
	fi
	rt=$(counter ike/branch/retransmits "$d/report.json")
	# the flow's loss in per mille, from report.json's "loss" : 0.xxxx
	fl=$(sed -n 's|.*"loss" *: *\([0-9.e-]*\).*|\1|p' "$d/report.json" | head -1 | awk '{ printf "%d", $1 * 1000 }')
	echo "     IKE retransmits $rt, flow loss $fl per mille"
	case $l in
	0) [ "$rt" = 0 ] || { echo "FAIL loss 0 %: $rt retransmits"; fail=1; } ;;
	30) [ "${rt:-0}" -gt 0 ] || { echo "FAIL loss 30 %: no retransmit"; fail=1; } ;;
	esac
	if [ "$fl" -lt $((l * 10)) ] || [ "$fl" -gt $((l * 10 + 100)) ] || [ "$fl" -le "$prev_loss" ]; then
		echo "FAIL loss $l %: the flow lost $fl per mille (previous level $prev_loss)"
		fail=1
	fi
	prev_loss=$fl
done
exit $fail
