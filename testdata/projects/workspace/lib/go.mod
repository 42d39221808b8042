module example.com/ws/lib

go 1.22

require example.com/Upper/Case v1.0.0
