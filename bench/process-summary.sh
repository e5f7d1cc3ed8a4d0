#!/usr/bin/env bash
# process-summary.sh RESDIR - print the markdown tables of a bench/process.sh run
# from RESDIR/runs.tsv and RESDIR/rate.tsv (can be re-run on old results).
set -euo pipefail
RES=${1:?usage: process-summary.sh RESDIR}

awk -F'\t' '
function sortv(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
function med(a, n) { sortv(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function stat3(a, n,   m) {   # "median [min-max]" (a gets sorted)
	if (n == 0) return "-"
	m = med(a, n)
	return sprintf("%.2fx [%.2f-%.2f]", m, a[1], a[n])
}
NR == 1 { next }
{
	b = $1; cfg = $2; wl = $3
	if (!(wl in seenwl)) { seenwl[wl] = 1; wls[++nw] = wl }
	N[wl] = $4; loop[wl, b] = $5; cpu[wl, b] = $6; cfgof[b] = cfg
	if (b > maxb) maxb = b
	if (cfg == "vigil") {
		vcpu[wl, b] = $7; vrun[wl, b] = $8; seen[wl] += $9; gexec[wl] += $10; gfork[wl] += $11
		if ($13 < $11) forkshort[wl]++
		lost[wl] += $14; lostrb[wl] += $15
	}
}
END {
	print "| workload | baseline | wall, vigil / none | wall, none / none (A/A) | workload CPU, vigil / none | vigil CPU per run | exec events seen / generated | lost |"
	print "|---|---:|---|---|---|---:|---:|---:|"
	for (i = 1; i <= nw; i++) {
		wl = wls[i]; nr = na = nc = nb = nv = 0
		delete r; delete aa; delete c; delete bl; delete vc; delete vp; delete vt
		for (b = 0; b <= maxb; b++) {
			if (!((wl, b) in loop)) continue
			if (cfgof[b] == "none") {
				bl[++nb] = loop[wl, b] / 1e9
				if ((wl, b - 2) in loop) aa[++na] = loop[wl, b] / loop[wl, b - 2]
			} else if (((wl, b - 1) in loop) && ((wl, b + 1) in loop)) {
				base = (loop[wl, b - 1] + loop[wl, b + 1]) / 2
				r[++nr] = loop[wl, b] / base
				c[++nc] = cpu[wl, b] / ((cpu[wl, b - 1] + cpu[wl, b + 1]) / 2)
				vc[++nv] = vrun[wl, b] / 1000; vp[nv] = vrun[wl, b] / (loop[wl, b] / 1e3) * 100
				vt[nv] = vcpu[wl, b]
			}
		}
		ev = gexec[wl] ? sprintf("%d / %d", seen[wl], gexec[wl]) : \
			sprintf("no execs; fork events sent >= forks in %d/%d runs", nr - forkshort[wl], nr)
		printf "| %s x %d | %.2f s | %s | %s | %s | %.1f ms (%.1f%% of wall; utime+stime %d ms) | %s | %d |\n", \
			wl, N[wl], med(bl, nb), stat3(r, nr), stat3(aa, na), stat3(c, nc), \
			med(vc, nv), med(vp, nv), med(vt, nv), ev, lost[wl]
	}
	printf "\nmedians over %d rounds; [min-max] over rounds. Wall = the workload loop; vigil CPU = its on-CPU time (schedstat) from the run start until drained (utime+stime has 10 ms resolution).\n", nr
}' "$RES/runs.tsv"

[[ -s $RES/rate.tsv ]] || exit 0
echo
awk -F'\t' '
NR == 1 { next }
{
	tgt = $3 == "max" ? "max" : $3 "/s"
	if ($3 == "max" && $1 != "stalled") hadmax = 1
	if ($1 == "stalled") { stall = $0; next }
	ok = ($7 == $6 && $8 == 0)
	printf "| %s | %d | %s | %s | %d / %d | %d | %.1f ms (%s%%) |\n", \
		tgt, $2, $5 "/s", $4 " s", $7, $6, $8, $11 / 1000, $12
	if (ok && $5 > best) best = $5
	if (!ok) bad = 1
	if ($5 > top) top = $5
}
BEGIN {
	print "| target rate | workers | achieved execs/s | duration | exec events seen / generated | lost | vigil CPU (% of one core) |"
	print "|---|---:|---:|---:|---:|---:|---:|"
}
END {
	if (!bad && hadmax) printf "\nHighest sustained rate with 0 lost and every exec seen: >= %d execs/s (no step lost anything, not even flat out: limited by the workload, i.e. by what this machine can generate).\n", best
	else if (!bad) printf "\nHighest sustained rate with 0 lost and every exec seen: >= %d execs/s (the highest rate tried; no step lost anything).\n", best
	else printf "\nHighest sustained rate with 0 lost and every exec seen: %d execs/s (some steps lost events).\n", best
	if (stall != "") {
		split(stall, s, "\t")
		printf "Headroom: vigil SIGSTOPped during %s s of max-rate exec: %d execs generated, %d seen, %d events lost (ringbuf_full %d)", \
			s[4], s[6], s[7], s[8], s[9]
		if (s[8] > 0) printf " - the 8 MiB ring buffer held about %d fork+exec+exit triples, i.e. %.1f s at %d execs/s.\n", s[7], s[7] / s[5], s[5]
		else printf " - the ring buffer absorbed all of them; use a longer STALL_SECONDS to fill it.\n"
	}
}' "$RES/rate.tsv"

[[ -s $RES/bpf.tsv ]] || exit 0
echo
awk -F'\t' '
BEGIN {
	print "| BPF program | runs | avg ns per run |"
	print "|---|---:|---:|"
}
NR > 1 { printf "| %s | %d | %d |\n", $2, $3, $5 }' "$RES/bpf.tsv"
echo
echo "(in-kernel time per run, kernel.bpf_stats_enabled=1, during an exec x N run: one fork, exec and exit each per iteration, plus everything else on the machine)"
