#!/usr/bin/env bash
# file-summary.sh RESDIR - print the markdown tables of a bench/file.sh run from
# RESDIR/runs.tsv and RESDIR/bpf.tsv (can be re-run on old results).
set -euo pipefail
RES=${1:?usage: file-summary.sh RESDIR}

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
function cpustr(us, pct, n) {
	if (n == 0) return "-"
	return us >= 10000 ? sprintf("%.0f ms (%.1f%% of wall)", us / 1000, pct) : sprintf("%.1f ms (%.1f%% of wall)", us / 1000, pct)
}
NR == 1 { next }
{
	b = $1; cfg = $2; wl = $3
	if (!(wl in seenwl)) { seenwl[wl] = 1; wls[++nw] = wl }
	if (cfg != "none" && !((wl, cfg) in seencfg)) { seencfg[wl, cfg] = 1; cfgs[wl, ++ncfg[wl]] = cfg }
	N[wl] = $4; loop[wl, b] = $5; cpu[wl, b] = $6; cfgof[wl, b] = cfg
	if (b > maxb) maxb = b
	if (cfg != "none") {
		mrun[wl, b] = $8; drain[wl, b] = $9
		ev[wl, cfg] += $10; gen[wl, cfg] += $11; lost[wl, cfg] += $12
	}
}
END {
	label["vigil"] = "vigil, 100 watches, none matching"
	label["auditd"] = "auditd, same 100 paths (-w ... -p wa)"
	label["vigil-watched"] = "vigil, file watched: every write reported"
	wlabel["open"] = "open+close"; wlabel["write"] = "write 4 KiB"; wlabel["wwrite"] = "write 4 KiB to a watched file"
	print "| workload (baseline) | configuration | wall / none | extra per op | workload CPU / none | monitor CPU per run | events emitted / ops | lost |"
	print "|---|---|---|---:|---|---:|---:|---:|"
	for (i = 1; i <= nw; i++) {
		wl = wls[i]; na = nb = 0
		delete aa; delete bl; delete ac
		for (b = 0; b <= maxb; b++) {
			if (!((wl, b) in loop) || cfgof[wl, b] != "none") continue
			bl[++nb] = loop[wl, b] / 1e9
			for (p = b - 1; p >= 0; p--) if (((wl, p) in loop) && cfgof[wl, p] == "none") break
			if (p >= 0) { aa[++na] = loop[wl, b] / loop[wl, p]; ac[na] = cpu[wl, b] / cpu[wl, p] }
		}
		base = med(bl, nb)
		printf "| %s x %d (%.2f s) | none (A/A) | %s | - | %s | - | - | - |\n", wlabel[wl], N[wl], base, stat3(aa, na), stat3(ac, na)
		for (k = 1; k <= ncfg[wl]; k++) {
			cfg = cfgs[wl, k]; nr = 0
			delete r; delete c; delete x; delete mc; delete mp; delete dr
			for (b = 0; b <= maxb; b++) {
				if (!((wl, b) in loop) || cfgof[wl, b] != cfg) continue
				if (!((wl, b - 1) in loop) || !((wl, b + 1) in loop)) continue
				bw = (loop[wl, b - 1] + loop[wl, b + 1]) / 2
				r[++nr] = loop[wl, b] / bw
				x[nr] = (loop[wl, b] - bw) / N[wl]
				c[nr] = cpu[wl, b] / ((cpu[wl, b - 1] + cpu[wl, b + 1]) / 2)
				mc[nr] = mrun[wl, b]; mp[nr] = mrun[wl, b] / (loop[wl, b] / 1e3) * 100; dr[nr] = drain[wl, b]
			}
			if (cfg == "vigil-watched")   # the drain outlasts the loop: per event, not % of wall
				mcs = sprintf("%.0f ms (%.0f us per event; drained %.1f s after the loop)", \
					med(mc, nr) / 1000, med(mc, nr) / N[wl], med(dr, nr) / 1000)
			else
				mcs = cpustr(med(mc, nr), med(mp, nr), nr)
			printf "| | %s | %s | %+.0f ns | %s | %s | %d / %d | %d |\n", label[cfg] ? label[cfg] : cfg, \
				stat3(r, nr), med(x, nr), stat3(c, nr), mcs, ev[wl, cfg], gen[wl, cfg], lost[wl, cfg]
		}
	}
	printf "\nmedians over %d rounds; [min-max] over rounds. Wall = the workload loop; extra per op = (monitored loop - baseline loop) / N; workload CPU = its utime+stime (BPF programs and audit run in its context); monitor CPU = on-CPU time (schedstat) of vigil, or of auditd + kauditd, from the run start until drained. Events / ops summed over rounds (vigil, none matching: every file event it printed; auditd: SYSCALL records with the rules key; watched: write events for the file); lost: vigil lost.total of its final stats line, auditd the kernel lost counter gained.\n", nr
}' "$RES/runs.tsv"

[[ -s $RES/bpf.tsv ]] || exit 0
echo
awk -F'\t' '
BEGIN {
	print "| workload | BPF program | runs | avg ns per run |"
	print "|---|---|---:|---:|"
}
NR > 1 && $6 >= 0.9 * $3 {   # the programs the loop drives (about one run per iteration)
	w = $1 == "open" ? "open+close" : $1 == "write" ? "write" : "write, watched file"
	printf "| %s x %d (%s) | %s | %d | %d |\n", w, $3, $2, $5, $6, $8
}' "$RES/bpf.tsv"
echo
echo "(in-kernel time per run, kernel.bpf_stats_enabled=1, delta over one run of each workload under vigil: the programs the loop drives; every program is in bpf.tsv)"
