module example.com/vw/lib

go 1.21

require example.com/v/tags v1.0.0
