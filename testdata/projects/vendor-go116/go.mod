module example.com/vp/go116

go 1.16

require (
	example.com/v/emb v1.0.0
	example.com/v/nogo v1.0.0
	example.com/v/tags v1.0.0
)
