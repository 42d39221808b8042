module example.com/vp/go113

go 1.13

require (
	example.com/v/nogo v1.0.0
	example.com/v/tags v1.0.0
)
