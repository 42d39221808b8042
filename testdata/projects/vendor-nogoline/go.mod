module example.com/vp/nogoline

require (
	example.com/v/nogo v1.0.0
	example.com/v/tags v1.0.0
)
