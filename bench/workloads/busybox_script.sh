# Real workload: a busybox shell loop that forks and execs (argv[1] iterations).
# Run as: busybox sh busybox_script.sh N   (every command below is an exec of busybox,
# not a shell builtin, so each iteration costs several fork+execve+wait).
n=${1:-100}
bb=/bin/busybox
i=0
while [ "$i" -lt "$n" ]; do
    $bb true
    $bb echo "iteration $i" > /dev/null
    $bb echo "a b c" | $bb tr a-z A-Z | $bb wc -c > /dev/null
    i=$((i + 1))
done
