module example.com/x

go 1.21

require example.com/r v1.0.0
