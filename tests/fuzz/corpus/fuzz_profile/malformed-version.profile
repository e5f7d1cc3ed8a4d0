vigil-profile 2
workload exe /bin/x
