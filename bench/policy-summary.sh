#!/usr/bin/env bash
# policy-summary.sh RESDIR - print the markdown tables of a bench/policy.sh run
# from RESDIR/runs.tsv (can be re-run on old results).
set -euo pipefail
RES=${1:?usage: policy-summary.sh RESDIR}

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
function range(a, n, fmt,   m) {   # "median [min-max]" with a format
	if (n == 0) return "-"
	m = med(a, n)
	return sprintf(fmt " [" fmt "-" fmt "]", m, a[1], a[n])
}
function perop(ns) { return (ns >= 10000 || ns <= -10000) ? sprintf("%+.1f us", ns / 1000) : sprintf("%+.0f ns", ns) }
function cfglabel(c,   n) {
	if (c == "rules0") return "rules0: `--no-policy` (sensors only)"
	n = substr(c, 6) + 0
	return sprintf("%s: %d rules, none matching", c, n)
}
NR == 1 { next }
{
	b = $1; cfg = $2; wl = $3
	if (!(wl in seenwl)) { seenwl[wl] = 1; wls[++nw] = wl }
	if (cfg != "none" && !(cfg in seencfg)) { seencfg[cfg] = 1; cfgs[++nc] = cfg }
	N[wl] = $4; loop[wl, b] = $5; cpu[wl, b] = $6; cfgof[wl, b] = cfg
	if (b > maxb) maxb = b
	if (cfg != "none") {
		start[wl, b] = $7; vtick[wl, b] = $8; vrun[wl, b] = $9; vtot[wl, b] = $10
		lost[wl, cfg] += $11; dec[wl, cfg] += $12; sexec[wl, b] = $13; ssys[wl, cfg] += $15; if ($17 != "-") watches[cfg] = $17; stot[wl, b] = $16
	}
}
END {
	# numeric order of the configurations (rules0, rules10, rules1000)
	for (i = 2; i <= nc; i++) { t = cfgs[i]; for (j = i - 1; j >= 1 && substr(cfgs[j], 6) + 0 > substr(t, 6) + 0; j--) cfgs[j + 1] = cfgs[j]; cfgs[j + 1] = t }
	wlabel["open"] = "open+close"; wlabel["exec"] = "exec /bin/true"
	print "| workload (baseline) | configuration | wall / none | extra per op | workload CPU / none | vigil CPU during the loop (schedstat) | vigil utime+stime per run, start-up included | start-up to ready | lost | decisions |"
	print "|---|---|---|---:|---|---:|---:|---:|---:|---:|"
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
		printf "| %s x %d (%.2f s) | none (A/A) | %s | - | %s | - | - | - | - | - |\n", wlabel[wl], N[wl], base, stat3(aa, na), stat3(ac, na)
		for (k = 1; k <= nc; k++) {
			cfg = cfgs[k]; nr = 0
			delete r; delete c; delete x; delete vr; delete vt; delete st
			for (b = 0; b <= maxb; b++) {
				if (!((wl, b) in loop) || cfgof[wl, b] != cfg) continue
				if (!((wl, b - 1) in loop) || !((wl, b + 1) in loop)) continue
				bw = (loop[wl, b - 1] + loop[wl, b + 1]) / 2
				r[++nr] = loop[wl, b] / bw
				x[nr] = (loop[wl, b] - bw) / N[wl]
				c[nr] = cpu[wl, b] / ((cpu[wl, b - 1] + cpu[wl, b + 1]) / 2)
				vr[nr] = vrun[wl, b] / 1000; vt[nr] = vtot[wl, b]; st[nr] = start[wl, b]
				runs[wl, cfg] = runs[wl, cfg] sprintf("%s%d / %.1f / %s", nr > 1 ? ", " : "", vtot[wl, b], vrun[wl, b] / 1000, stot[wl, b])
			}
			if (nr == 0) continue
			vrmed = med(vr, nr)
			printf "| | %s | %s | %s | %s | %s ms (%.0f ns per op) | %s ms | %s ms | %d | %d |\n", \
				cfglabel(cfg), stat3(r, nr), perop(med(x, nr)), stat3(c, nr), range(vr, nr, "%.1f"), \
				vrmed * 1e6 / N[wl], range(vt, nr, "%d"), range(st, nr, "%d"), lost[wl, cfg], dec[wl, cfg]
			nruns[wl, cfg] = nr
		}
	}
	printf "\nmedians over %d rounds; [min-max] over rounds. Wall = the workload loop; its ratio is against the mean of the no-monitor runs just before and after it; A/A = each no-monitor run / the previous one (the noise floor); extra per op = (monitored loop - that baseline) / N; workload CPU = its utime+stime including children (BPF programs run in its context). vigil CPU during the loop = on-CPU time (schedstat) from just before the loop until vigil was idle again, per op = its median / N; utime+stime = /proc/PID/stat of the whole vigil process just before SIGTERM (10 ms resolution), start-up and policy compilation included; start-up = exec of vigil run to its ready file. lost = lost.total of the final stats lines, decisions = policy decision lines, both summed over the rounds (0 expected: no rule matches).\n", nr
	w = ""
	for (k = 1; k <= nc; k++) if (cfgs[k] in watches) w = w sprintf("%s%s %s", w == "" ? "" : ", ", cfgs[k], watches[cfgs[k]])
	if (w != "") printf "File watches in the kernel (vigil run\x27s 7 default paths + the file rules\x27 paths): %s.\n", w
	s = ""
	for (k = 1; k <= nc; k++) for (i = 1; i <= nw; i++) if (ssys[wls[i], cfgs[k]]) s = s sprintf(" %s/%s %d", cfgs[k], wls[i], ssys[wls[i], cfgs[k]])
	printf "Syscall events sent by the kernel (syscall rules whose arguments matched):%s.\n", s == "" ? " none" : s
	print ""
	print "| workload | configuration | per run, in round order: vigil utime+stime incl. start-up (ms) / vigil schedstat during the loop (ms) / records the kernel sent vigil over its life (all processes) |"
	print "|---|---|---|"
	for (i = 1; i <= nw; i++)
		for (k = 1; k <= nc; k++)
			if (nruns[wls[i], cfgs[k]])
				printf "| %s x %d | %s | %s |\n", wlabel[wls[i]], N[wls[i]], cfgs[k], runs[wls[i], cfgs[k]]
}' "$RES/runs.tsv"
