module coldtrace.test/gosymprog

go 1.18
