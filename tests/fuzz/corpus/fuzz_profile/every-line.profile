vigil-profile 1
workload cgroup /sys/fs/cgroup/system.slice/web\x20app.service
scope cgroup /system.slice/x.service
mode audit
learned 2026-01-02T03:04:05Z 3600
processes 18446744073709551615
syscalls 9
window 8
syscall 1023 ? 0
syscall 59 execve 2
ngram 1 2 3 4 5 6 7 8 1
ngram 1 2 3 4 5 6 7 1
ngram 59 0 2
ngram 59 2
exec /bin/sh 1
file read /etc/* 40
file write /var/log/app\x5cx.log 1
connect udp 2001:db8::1 53 1
connect unix /run/dbus\x20x 0 1
listen tcp :: 443 1
cred capset 0 1
cred exec 1000 3
rate exec 0.1
rate file 12.5
rate net 0
rate priv 1e-3
rate syscall 100000
