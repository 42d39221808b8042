module stdlike

go 1.21
