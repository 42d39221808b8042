module example.com/local

go 1.21

require example.com/d v1.0.0
