# comments and blank lines are ignored
vigil-profile 1
workload exe /usr/sbin/mysqld
scope exe
learned 2026-11-21T13:40:15Z 60
processes 12
syscalls 123456
window 6
syscall 0 read 12345
syscall 1 write 2345
ngram 0 1 17 3
ngram 0 1 17 0 1 17 2
exec /usr/bin/ls 3
file read /etc/ld.so.cache 10
file write /var/lib/mysql/* 4
connect tcp 10.0.0.5 3306 3
listen tcp 0.0.0.0 3306 1
cred setuid 1000 2
rate exec 0.5
