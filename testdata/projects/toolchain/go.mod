module example.com/tc

go 1.22

toolchain go1.99.1
