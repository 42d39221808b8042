module example.com/v/local

go 1.21
