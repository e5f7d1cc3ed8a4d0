vigil-profile 1
workload exe /bin/x
scope exe
ngram 1 2 3 4 5 6 7 1
