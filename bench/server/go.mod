module example.com/modsnap/benchserver

go 1.22
