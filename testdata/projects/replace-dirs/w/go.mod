module example.com/w

go 1.21

require example.com/x v1.0.0
