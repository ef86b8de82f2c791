module coldtrace.bench/uprobeloop

go 1.18
