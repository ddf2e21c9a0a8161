#!/bin/sh
# test_html.sh: report.html of a library scenario: written by every run, self-contained (no
# script, no stylesheet or picture fetched, no http(s) reference), verdicts first, the topology
# and the before/after diagrams inline, scenario text escaped, byte-identical for the same seed;
# then Chromium (headless) renders it: no console message or failed load, the DOM holds the
# verdict and the diagram, and the screenshot is not blank (tests/png_nonblank). Without
# Chromium the browser part is skipped (exit 77) after the other checks.
. "${top_srcdir:-.}/tests/vpnsim_test.sh"
PNGCHECK=${top_builddir:-.}/tests/png_nonblank

scn="$SRC/scenarios/active-active-failover.ini"
"$VPNSIM" run "$scn" --out "$out/r1" --quiet >/dev/null 2>"$out/r1.err"
rc=$?
html="$out/r1/report.html"
if [ $rc -eq 0 ] && [ -s "$html" ]; then pass "run writes report.html"; else bad "run exit $rc, report.html missing"; cat "$out/r1.err"; exit 1; fi

# self-contained
if grep -Eiq "(src|href|xlink:href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*(https?:)?//" "$html"; then
	bad "report.html references something outside: $(grep -Eio "(src|href)=[\"']?(https?:)?//[^\"' >]*" "$html" | head -3)"
else pass "no http(s) or // src/href"; fi
if grep -qi '<script' "$html"; then bad "report.html has a <script"; else pass "no <script"; fi
if grep -Eqi '<link|@import|<img|<iframe|<object|<embed' "$html"; then bad "report.html loads a stylesheet, picture or frame"; else pass "no <link>, @import, <img>, frames"; fi
if grep -Eqi 'url\([^#)]' "$html"; then bad "report.html has a url() that is not a local #id"; else pass "url() only to local ids"; fi

# contents, in order: verdicts, topology, timeline, faults, plots
if grep -q 'badge pass">PASS' "$html" && grep -q '>voice_outage<' "$html" && grep -q '18.018 s' "$html"; then
	pass "verdicts with the measured value"; else bad "verdicts missing"; fi
order=$(grep -o 'h2 id="[a-z]*"' "$html" | sed 's/.*id="//; s/"//' | tr '\n' ' ')
if [ "$order" = "verdicts topology timeline faults plots tables counters " ]; then pass "sections in order: $order"
else bad "sections: $order"; fi
nsvg=$(grep -c '<svg' "$html")
if [ "$nsvg" -ge 8 ]; then pass "$nsvg inline SVGs (topology, 4 before/after, tunnels, throughput, utilisation)"; else bad "only $nsvg inline SVGs"; fi
for f in topology-0-before.svg topology-0-after.svg topology-1-before.svg topology-1-after.svg tunnels.svg tunnels.gp tunnels.dat utilisation.svg utilisation.gp timeline.csv; do
	[ -s "$out/r1/$f" ] || bad "$f missing"
done
if grep -q 'id="fig-f0-before-' "$html" && grep -q 'id="fig-f0-after-' "$html" && grep -q 'id="fig-topology-' "$html"; then
	pass "before/after diagrams inline under the fault"; else bad "before/after diagrams not inline"; fi
dups=$(grep -o ' id="[^"]*"' "$html" | sort | uniq -d | head -3)
if [ -z "$dups" ]; then pass "every id unique"; else bad "duplicate ids: $dups"; fi
if grep -q '^120.000000000,fault,crash,instance-crash 0$' "$out/r1/timeline.csv" &&
   grep -q '^120.000000000,tunnel,branch:0,down$' "$out/r1/timeline.csv" &&
   grep -q 'tunnel,branch:0,up$' "$out/r1/timeline.csv"; then pass "timeline.csv: the crash takes tunnel 0 down"
else bad "timeline.csv"; cat "$out/r1/timeline.csv"; fi
# the diagram after the crash shows instance 0 down and its tunnel down, the one before does not
if grep -q 'instance 0 · DOWN' "$out/r1/topology-0-after.svg" && ! grep -q 'instance 0 · DOWN' "$out/r1/topology-0-before.svg"; then
	pass "before/after diagrams show the crash"; else bad "before/after diagrams do not differ as expected"; fi

# the same seed: the same bytes
"$VPNSIM" run "$scn" --out "$out/r2" --quiet >/dev/null 2>&1
for f in report.html timeline.csv topology-0-after.svg tunnels.svg utilisation.dat; do
	if cmp -s "$out/r1/$f" "$out/r2/$f"; then pass "identical $f"; else bad "$f differs between runs"; fi
done

# scenario text is escaped
"$VPNSIM" run "$SRC/scenarios/s2s-ikev2.ini" --out "$out/e" --quiet \
	--set 'scenario.description=<script>alert(1)</script> & "q" <b>' >/dev/null 2>"$out/e.err"
if [ -s "$out/e/report.html" ] && grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &lt;b&gt;' "$out/e/report.html" &&
   ! grep -qi '<script' "$out/e/report.html"; then pass "description escaped"; else bad "description not escaped"; cat "$out/e.err"; fi

# the browser
browser=""
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ]; then
	echo "SKIP ***********************************************************************"
	echo "SKIP * Chromium is not installed: report.html was not rendered in a browser. *"
	echo "SKIP * Install it (Debian: apt-get install chromium) to run this part.        *"
	echo "SKIP ***********************************************************************"
	[ $fail -eq 0 ] && exit 77
	exit 1
fi
[ -x "$PNGCHECK" ] || { echo "no $PNGCHECK"; exit 99; }
chrome() {
	timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
		--user-data-dir="$out/profile" --no-first-run --window-size=1200,2000 "$@"
}
chrome --screenshot="$out/shot.png" "file://$html" >/dev/null 2>"$out/shot.log"
rc=$?
chrome --dump-dom "file://$html" >"$out/dom.html" 2>"$out/dom.log"
rc2=$?
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad "chromium exit $rc / $rc2"; tail -5 "$out/shot.log"; fi
if grep -Eh ':CONSOLE|Failed to load|net::ERR_' "$out/shot.log" "$out/dom.log"; then bad "chromium logged console messages or failed loads"
else pass "no console message, nothing failed to load"; fi
if grep -q 'voice_outage' "$out/dom.html" && grep -q 'PASS' "$out/dom.html" && grep -q '<svg' "$out/dom.html" &&
   grep -q 'id="fig-topology-graph0"' "$out/dom.html" && grep -q 'VPN gateway azure' "$out/dom.html"; then
	pass "DOM holds the verdict and the topology diagram"; else bad "DOM lacks the verdict or the diagram"; fi
if [ -s "$out/shot.png" ] && "$PNGCHECK" "$out/shot.png" 16 5; then pass "screenshot not blank"; else bad "screenshot blank or missing"; fi
# the check can fail: a blank page's screenshot is blank
printf '<!DOCTYPE html><html><body></body></html>' >"$out/blank.html"
chrome --screenshot="$out/blank.png" "file://$out/blank.html" >/dev/null 2>&1
if [ -s "$out/blank.png" ] && ! "$PNGCHECK" "$out/blank.png" 16 5 >/dev/null; then pass "a blank page is found blank"; else bad "png_nonblank passes a blank page"; fi
exit $fail
