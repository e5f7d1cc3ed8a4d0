vigil-profile 1
workload traces t
scope traces
window 3
ngram 6 6 63 9
ngram 6 63 9
ngram 63 9
ngram 6 6 18
ngram 6 27
syscall 6 ? 27