vigil-profile 1
workload exe /bin/\x00
scope exe
